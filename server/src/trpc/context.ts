import type { Request, Response } from 'express';
import type { Principal } from '@aegis/shared';
import type { Services } from '../services';

export interface ContextInner {
  /** Who is calling; null when no valid credential came with the request. */
  principal: Principal | null;
  services: Services;
  /** Request id for structured logs. */
  requestId: string;
}

export interface Context extends ContextInner {
  req?: Request;
  res?: Response;
}

/** The pure part of the context: what router tests build directly. */
export function createContextInner(inner: ContextInner): Context {
  return inner;
}
