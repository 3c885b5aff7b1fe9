// Booleans and whole numbers written as JSON strings. Graph reads "true", "false" and "1" for its
// Edm.Boolean and Edm.Int32 properties, and its own documented examples send them that way (create
// assignmentPolicies, example 4). A body's typed properties are declared once as a shape; coerceScalars
// turns such strings into real values before the body is validated, so everything downstream (the
// validators, storage, the Graph output) sees only real booleans and numbers.

import { ValidationError } from './errors.js';
import { isObj } from './json.js';

/** Where a body has booleans and whole numbers: a type at a property, a nested shape, or [shape] for each element of an array. */
export type ScalarShape = 'boolean' | 'integer' | { readonly [key: string]: ScalarShape } | readonly [ScalarShape];


/**
 * A copy of `value` with the strings at the shape's boolean properties ("true"/"false", any case) and
 * integer properties (decimal digits, optionally signed) turned into booleans and numbers. Any other
 * string there is refused, naming the field; other values (absent, null, a number where a boolean
 * belongs…) are left as they are for the validators to judge. The input is not changed.
 */
export function coerceScalars(value: unknown, shape: ScalarShape, field = ''): unknown {
  if (shape === 'boolean') {
    if (typeof value !== 'string') return value;
    const v = value.toLowerCase();
    if (v === 'true' || v === 'false') return v === 'true';
    throw new ValidationError(`'${field}' must be true or false.`, field);
  }
  if (shape === 'integer') {
    if (typeof value !== 'string') return value;
    const n = /^[+-]?\d{1,15}$/.test(value) ? Number(value) : NaN;
    if (!Number.isInteger(n)) throw new ValidationError(`'${field}' must be a whole number.`, field);
    return n;
  }
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) return value;
    return value.map((x, i) => coerceScalars(x, shape[0], `${field}[${i}]`));
  }
  if (!isObj(value)) return value;
  let out: Record<string, unknown> | undefined;
  for (const [key, inner] of Object.entries(shape as Record<string, ScalarShape>)) {
    if (!Object.hasOwn(value, key)) continue;
    const next = coerceScalars(value[key], inner, field ? `${field}.${key}` : key);
    if (next !== value[key]) {
      out ??= { ...value };
      out[key] = next;
    }
  }
  return out ?? value;
}
