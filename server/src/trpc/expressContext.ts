import type { CreateExpressContextOptions } from '@trpc/server/adapters/express';
import { headerSetter } from '../auth/rateLimit';
import type { AuthService } from '../auth/types';
import type { RequestWithId } from '../http/requestLog';
import type { Services } from '../services';
import { createContextInner, type Context } from './context';

/** The `/trpc` context: the principal from the request's key or session cookie. */
export function createExpressContext(deps: {
  services: Services;
  auth: AuthService;
  streamQueueLimit?: number;
}) {
  return async function createContext({ req, res }: CreateExpressContextOptions): Promise<Context> {
    const principal = await deps.auth.resolvePrincipal(req);
    const requestId = (req as RequestWithId).id ?? '';
    return {
      ...createContextInner({ principal, services: deps.services, auth: deps.auth, requestId }),
      req,
      res,
      setHeader: headerSetter(res),
      streamQueueLimit: deps.streamQueueLimit,
    };
  };
}
