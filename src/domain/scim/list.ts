import { invalidValue } from './errors.js';
import { ENTERPRISE_USER, MAX_RESULTS } from './schemas.js';

const ENTERPRISE = ENTERPRISE_USER.toLowerCase();

// List paging and attribute selection (RFC 7644 §3.4.2.4, §3.9).

export interface Page {
  /** 1-based */
  startIndex: number;
  count: number;
}

/** startIndex below 1 counts as 1 and a negative count as 0 (RFC 7644 §3.4.2.4); count is capped at MAX_RESULTS. */
export function readPage(startIndex: unknown, count: unknown): Page {
  const num = (v: unknown, name: string, dflt: number): number => {
    if (v === undefined || v === '') return dflt;
    const n = Number(v);
    if (!Number.isInteger(n)) throw invalidValue(`'${name}' must be an integer.`, name);
    return n;
  };
  return { startIndex: Math.max(1, num(startIndex, 'startIndex', 1)), count: Math.min(MAX_RESULTS, Math.max(0, num(count, 'count', 100))) };
}

const ALWAYS = new Set(['id', 'schemas', 'meta']);

/** Keeps the requested top-level attributes of a resource (attributes=), or drops some (excludedAttributes=); id, schemas and meta stay. */
export function project<T extends Record<string, unknown>>(resource: T, attributes?: string, excluded?: string): Partial<T> {
  const names = (v?: string) => (v ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)
    // a sub-attribute or URN-qualified name keeps or drops its top-level attribute (the extension as a whole)
    .map((s) => (s.startsWith(ENTERPRISE) ? ENTERPRISE : s.replace(/^urn:ietf:params:scim:schemas:core:2\.0:(user|group):/, '').split('.')[0]));
  const keep = names(attributes);
  const drop = names(excluded);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(resource)) {
    const key = k.toLowerCase();
    if (!ALWAYS.has(key)) {
      if (keep.length > 0 && !keep.includes(key)) continue;
      if (drop.includes(key)) continue;
    }
    out[k] = v;
  }
  return out as Partial<T>;
}
