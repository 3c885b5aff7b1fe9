// Multi-row statements are split so that a statement never binds more parameters than the databases allow
// (SQLite 32,766, PostgreSQL 65,535). 500 rows of up to 20 columns, or 5,000 ids in an IN list, stay well
// inside both.

/** Rows per INSERT for tables of up to 20 columns. */
export const ROWS_PER_INSERT = 500;
/** Values per IN list. */
export const IDS_PER_STATEMENT = 5000;

export function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
