// Readers for the fields of a policy body: each checks one value and fails with a Graph-shaped
// ValidationError naming the field.

import { addDuration, parseDuration } from '../duration.js';
import { ValidationError } from '../errors.js';
import { isGuid } from '../ids.js';
import { MAX_TEXT } from './limits.js';
import { T } from './types.js';

import { isObj } from '../json.js';

export { isObj };

export function fail(field: string, message: string): never {
  throw new ValidationError(message, field);
}

/** An object whose keys must all be known (OData annotations aside), so a typo names its field. */
export function objectAt(v: unknown, field: string, known: readonly string[]): Record<string, unknown> {
  if (!isObj(v)) fail(field, `'${field}' must be an object.`);
  for (const k of Object.keys(v)) {
    if (k.startsWith('@odata.') || known.includes(k)) continue;
    fail(`${field}.${k}`, `'${field}.${k}' is not a known property; expected: ${known.join(', ')}.`);
  }
  return v;
}

export function boolAt(o: Record<string, unknown>, key: string, field: string, d: boolean): boolean {
  const v = o[key];
  if (v === undefined || v === null) return d;
  if (typeof v !== 'boolean') fail(`${field}.${key}`, `'${field}.${key}' must be true or false.`);
  return v;
}

export function stringAt(v: unknown, field: string, opts: { max?: number; required?: boolean } = {}): string | null {
  if (v === undefined || v === null) {
    if (opts.required) fail(field, `'${field}' is required.`);
    return null;
  }
  if (typeof v !== 'string') fail(field, `'${field}' must be a string.`);
  if (opts.required && v.trim() === '') fail(field, `'${field}' must not be empty.`);
  if (v.length > (opts.max ?? MAX_TEXT)) fail(field, `'${field}' is longer than ${opts.max ?? MAX_TEXT} characters.`);
  return v;
}

export function arrayAt(v: unknown, field: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(field, `'${field}' must be an array.`);
  return v;
}

/** Graph's @odata.type, with or without the leading '#', compared case-insensitively. */
export function odataKind(v: unknown, field: string, kinds: readonly string[]): string {
  if (!isObj(v)) fail(field, `'${field}' must be an object.`);
  const raw = v['@odata.type'];
  if (typeof raw !== 'string') fail(`${field}.@odata.type`, `'${field}.@odata.type' is required, e.g. '#microsoft.graph.${kinds[0]}'.`);
  const name = raw.replace(/^#/, '').replace(/^microsoft\.graph\./i, '');
  const found = kinds.find((k) => k.toLowerCase() === name.toLowerCase());
  if (!found) {
    if (name.toLowerCase() === 'attributerulemembers') {
      fail(`${field}.@odata.type`, `An attributeRuleMembers rule belongs only in the 'specificAllowedTargets' of an auto-assignment policy, not in '${field}'.`);
    }
    fail(`${field}.@odata.type`, `'${raw}' is not allowed in '${field}'; expected one of: ${kinds.map((k) => T + k).join(', ')}.`);
  }
  return found;
}

export function guidAt(v: unknown, field: string): string {
  if (!isGuid(v)) fail(field, `'${field}' must be an object id (GUID), got ${JSON.stringify(v)}.`);
  return (v as string).toLowerCase();
}

export function durationMs(text: string): number {
  return addDuration(new Date(0), parseDuration(text)).getTime();
}

export function durationAt(v: unknown, field: string, d: string): string {
  if (v === undefined || v === null) return d;
  parseDuration(v, field);
  return (v as string).trim().toUpperCase();
}

/** A date-time with an explicit zone, normalised to UTC ISO-8601. */
export function dateTimeAt(v: unknown, field: string): string {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i.test(v.trim())) {
    fail(field, `'${field}' must be an ISO-8601 date-time with a time zone, e.g. '2026-06-30T00:00:00Z', got ${JSON.stringify(v)}.`);
  }
  const d = new Date(v.trim());
  if (Number.isNaN(d.getTime())) fail(field, `'${field}' is not a valid date-time: '${v}'.`);
  return d.toISOString();
}
