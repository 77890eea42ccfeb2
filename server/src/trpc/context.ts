import type { IncomingHttpHeaders } from 'node:http';
import type { Request, Response } from 'express';
import type { Principal } from '@aegis/shared';
import type { Services } from '../services';
import type { AuthService, SetResponseHeader } from '../auth/types';

export interface ContextInner {
  /** Who is calling; null when no valid credential came with the request. */
  principal: Principal | null;
  services: Services;
  auth: AuthService;
  /** Request id for structured logs. */
  requestId: string;
}

export interface Context extends ContextInner {
  req?: Request;
  /** The request's headers where there is no Express request (the fast path): trace context. */
  headers?: IncomingHttpHeaders;
  res?: Response;
  /** Sets a header on the HTTP answer (Retry-After of a rate limit); absent outside HTTP. */
  setHeader?: SetResponseHeader;
  /** Events a live stream may queue for a client that doesn't read before it is dropped. */
  streamQueueLimit?: number;
}

/** The pure part of the context: what router tests build directly. */
export function createContextInner(inner: ContextInner): Context {
  return inner;
}
