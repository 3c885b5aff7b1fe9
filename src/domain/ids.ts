import { randomUUID } from 'node:crypto';

export const newId = (): string => randomUUID();

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Graph object ids are GUIDs; anything else in an id position is rejected before touching the store. */
export function isGuid(value: unknown): value is string {
  return typeof value === 'string' && GUID.test(value);
}
