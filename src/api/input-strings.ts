import type { FastifyInstance } from 'fastify';
import { ValidationError } from '../domain/errors.js';

// Every string a request carries (JSON body values and property names, query string values, path
// parameters) is checked here, once, before schema validation and before any handler or authorization
// rule reads it. PostgreSQL text cannot hold NUL (the driver fails: it was a 500), and a lone UTF-16
// surrogate is no character at all (it would be stored as U+FFFD, so what is read back differs from what
// was sent). Both stores refuse them the same way: a 400 naming the field.

// eslint-disable-next-line no-control-regex -- finding NUL is the point
const BAD = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function problem(s: string): string | null {
  const m = BAD.exec(s);
  if (!m) return null;
  return m[0] === '\u0000' ? 'a NUL character' : 'a lone surrogate (half of a UTF-16 pair; not a character)';
}

const isPlainKey = (k: string) => /^[$@\w.-]+$/.test(k);
const join = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

/** The path of the first string in `value` (or property name) that holds NUL or a lone surrogate, and what it holds. */
export function findBadString(value: unknown): { path: string; what: string } | null {
  // iterative: a deeply nested body must not overflow the stack
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      const what = problem(v);
      if (what) return { path, what };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}[${i}]`]);
    } else if (typeof v === 'object' && v !== null) {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, x] = entries[i];
        const what = problem(k);
        if (what) return { path, what: `${what} in a property name` };
        stack.push([x, isPlainKey(k) ? join(path, k) : `${path}[${JSON.stringify(k)}]`]);
      }
    }
  }
  return null;
}

export function registerInputStringChecks(app: FastifyInstance): void {
  app.addHook('preValidation', async (req) => {
    const checks: [unknown, string][] = [[req.params, 'path'], [req.query, 'query string'], [req.body, 'body']];
    for (const [value, where] of checks) {
      const bad = findBadString(value);
      if (!bad) continue;
      const field = bad.path === '' ? `the request ${where}` : `'${bad.path}'`;
      throw new ValidationError(`${field[0].toUpperCase()}${field.slice(1)} holds ${bad.what}, which Latchkey does not store.`, bad.path || undefined);
    }
  });
}
