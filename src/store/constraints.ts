/**
 * A unique index or primary key refused a row. SQLite and PostgreSQL report it differently; services
 * use this to turn a lost race into a 409 rather than a 500. Other constraint failures (a NOT NULL
 * column left empty) are bugs, not conflicts, and are not matched.
 */
export function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown } | null;
  if (!err) return false;
  if (err.code === '23505') return true; // PostgreSQL unique_violation
  if (typeof err.code === 'string' && err.code.startsWith('SQLITE_CONSTRAINT') && /UNIQUE|PRIMARYKEY/.test(err.code)) return true;
  return typeof err.message === 'string' && /UNIQUE constraint failed/.test(err.message);
}
