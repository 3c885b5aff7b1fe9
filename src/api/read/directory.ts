// Who may read directory objects reached from entitlement management (incompatible groups); the
// subjects of requests and assignments have their rule in subjects.ts.
import { canTenant } from '../../domain/authorization.js';
import type { ReadRule } from '../odata/collection.js';
import type { ReadCtx } from './common.js';

/** Directory objects reached from entitlement management (incompatible groups): the directory's own rule. */
export function directoryRule<Row>(ctx: ReadCtx): ReadRule<Row> {
  return canTenant(ctx.principal, 'directory.read') ? 'all' : 'none';
}
