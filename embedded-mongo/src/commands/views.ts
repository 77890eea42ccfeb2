import type { Document } from 'bson';
import { mongoError } from '../errors.js';
import type { CommandContext } from './context.js';

/**
 * Views (`create` with `viewOn` and `pipeline`): read-only namespaces whose documents are the
 * pipeline's output over another collection or view. Reads resolve them to the underlying
 * collection with the views' pipelines in front; writes are refused as mongod refuses them (166).
 */
export function resolveView(ctx: Pick<CommandContext, 'store' | 'db'>, name: string): { source: string; pipeline: Document[] } | undefined {
  let coll = ctx.store.getCollection(ctx.db, name);
  if (typeof coll?.options.viewOn !== 'string') return undefined;
  let pipeline: Document[] = [];
  let source = name;
  for (let depth = 0; coll && typeof coll.options.viewOn === 'string'; depth++) {
    if (depth > 20) throw mongoError('ViewDepthLimitExceeded', `View depth too deep or view cycle detected; maximum depth is 20`);
    pipeline = [...((coll.options.pipeline ?? []) as Document[]), ...pipeline];
    source = coll.options.viewOn;
    coll = ctx.store.getCollection(ctx.db, source);
  }
  return { source, pipeline };
}

export function refuseView(ctx: Pick<CommandContext, 'store' | 'db'>, name: string): void {
  if (typeof ctx.store.getCollection(ctx.db, name)?.options.viewOn === 'string') {
    throw mongoError('CommandNotSupportedOnView', `Namespace ${ctx.db}.${name} is a view, not a collection`);
  }
}
