import { sql, type SelectQueryBuilder, type SqlBool } from 'kysely';
import type { Database } from '../../store/schema.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyQuery = SelectQueryBuilder<Database, any, any>;

/** Narrows a list query to rows whose catalog column is in `allowed` ('all' leaves it as is; [] matches nothing). */
export function whereCatalogIn<Q extends AnyQuery>(q: Q, column: string, allowed: 'all' | string[]): Q {
  if (allowed === 'all') return q;
  if (allowed.length === 0) return q.where(sql<SqlBool>`1 = 0`) as Q;
  return q.where(sql.ref(column), 'in', allowed) as Q;
}
