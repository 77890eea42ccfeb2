import { TRPCError } from '@trpc/server';

/** Domain errors as tRPC errors: the procedures, the REST adapter and the SDK all map these codes. */
export const notFound = (message: string) => new TRPCError({ code: 'NOT_FOUND', message });
export const conflict = (message: string) => new TRPCError({ code: 'CONFLICT', message });
export const badRequest = (message: string) => new TRPCError({ code: 'BAD_REQUEST', message });
export const forbidden = (message: string) => new TRPCError({ code: 'FORBIDDEN', message });

export const unknownAgent = (name: string) => notFound(`Agent "${name}" is not registered`);

/** The driver's duplicate-key error (code 11000), however it was wrapped. */
export function isDuplicateKey(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth++) {
    if (typeof current === 'object' && 'code' in current && current.code === 11000) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
