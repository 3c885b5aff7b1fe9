import { sql, type RawBuilder } from 'kysely';

/**
 * A column compared through an expression, so that no planner takes its index to find the rows: for a
 * filter that only narrows rows already found by a more selective key (ids listed in the same statement).
 * Without statistics SQLite ranks an index on a state column as good as any other and then reads every row
 * in that state (every delivered grant of the tenant for a job of 50 assignments); with statistics it may
 * still misjudge a sampled skew. `coalesce(x, '')` is the form both dialects accept for text columns (SQLite's
 * unary `+` is not valid on PostgreSQL text).
 */
export function notAnIndexKey(column: string): RawBuilder<string> {
  return sql<string>`coalesce(${sql.ref(column)}, '')`;
}
