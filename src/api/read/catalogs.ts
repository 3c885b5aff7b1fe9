// Who may read catalogs.
import type { ReadRule } from '../odata/collection.js';
import { byCatalogs, readCatalogs, type ReadCtx } from './common.js';

export function catalogRule<Row>(ctx: ReadCtx): ReadRule<Row> {
  return byCatalogs(readCatalogs(ctx.principal), (ids) => (eb) => eb('catalogs.id', 'in', ids));
}
