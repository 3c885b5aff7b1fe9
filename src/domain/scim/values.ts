import { invalidValue } from './errors.js';

// Reading SCIM attribute values as identity providers send them: attribute names are case-insensitive
// (RFC 7643 §2.1), and Microsoft Entra sends booleans as the strings "True" / "False".

type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value of attribute `name` in `obj`, matching its name in any case. */
export function attribute(obj: Json, name: string): unknown {
  if (Object.hasOwn(obj, name)) return obj[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
  return undefined;
}

/** A string attribute; null when absent, null or empty. */
export function text(obj: Json, name: string, path = name): string | null {
  const v = attribute(obj, name);
  if (v === undefined || v === null || v === '') return null;
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string') throw invalidValue(`Attribute '${path}' must be a string.`, path);
  return v;
}

/** A boolean attribute; "true"/"false" in any case count (Entra). undefined when absent. */
export function bool(obj: Json, name: string, path = name): boolean | undefined {
  const v = attribute(obj, name);
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === 'true';
  throw invalidValue(`Attribute '${path}' must be a boolean.`, path);
}

/** A complex attribute; null when absent. */
export function complex(obj: Json, name: string, path = name): Json | null {
  const v = attribute(obj, name);
  if (v === undefined || v === null) return null;
  if (!isObject(v)) throw invalidValue(`Attribute '${path}' must be an object.`, path);
  return v;
}

/** A multi-valued attribute; [] when absent. A single object is taken as a list of one. */
export function list(obj: Json, name: string, path = name): Json[] {
  const v = attribute(obj, name);
  if (v === undefined || v === null) return [];
  const items = Array.isArray(v) ? v : [v];
  return items.map((item, i) => {
    if (!isObject(item)) throw invalidValue(`Attribute '${path}[${i}]' must be an object.`, path);
    return item;
  });
}

/** A reference to another resource: `{ value: id }`, or the bare id (Entra sends the manager's so). null when absent or empty. */
export function reference(obj: Json, name: string, path = name): string | null {
  const v = attribute(obj, name);
  if (v === undefined || v === null || v === '') return null;
  if (typeof v === 'string') return v;
  if (isObject(v)) return text(v, 'value', `${path}.value`);
  throw invalidValue(`Attribute '${path}' must be an object with a value.`, path);
}
