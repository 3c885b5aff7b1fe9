import type { Static, TObject } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ValidationError } from '../domain/errors.js';

// Connection settings and secrets arrive as JSON (the API, the database); each connector kind declares
// their TypeBox schema (kit.ts). This reads them: the schema's defaults filled in, then checked, the
// first wrong field named in the 400 (`settings.port`, `secrets.password`) so the admin form can point
// at it. The message never quotes the value: for secrets it would be the secret.

/** A copy of `input` with the schema's defaults, or a ValidationError naming the first field that is wrong. */
export function readSettings<T extends TObject>(schema: T, input: unknown, prefix: 'settings' | 'secrets'): Static<T> {
  const value = Value.Default(schema, Value.Clone(input ?? {}));
  const first = Value.Errors(schema, value).First();
  if (first) {
    const path = first.path.replace(/^\//, '').replaceAll('/', '.');
    const field = path ? `${prefix}.${path}` : prefix;
    throw new ValidationError(`${field}: ${first.message}.`, field);
  }
  return value as Static<T>;
}
