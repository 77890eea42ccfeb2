import { TRPCError } from '@trpc/server';
import { DomainError, type DomainErrorCode } from '@aegis/shared';

/**
 * The one mapping of domain errors to the wire. A DomainError thrown under a procedure travels as
 * the tRPC code its code names (and so the HTTP status), with the domain code as `data.aegisCode`
 * (tRPC) and `code` (REST, rest/errors.ts). Applied in init.ts's guardProcedure, under every
 * procedure of both adapters and the fast path.
 */
export function toTRPCError(error: DomainError): TRPCError {
  return new TRPCError({ code: error.transport, message: error.message, cause: error });
}

/** The domain code behind a tRPC error, when a service refused. */
export function aegisCodeOf(error: TRPCError): DomainErrorCode | undefined {
  return error.cause instanceof DomainError ? error.cause.code : undefined;
}
