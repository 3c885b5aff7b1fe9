import { filter as filterPredicate, parse, type Filter } from 'scim2-parse-filter';
import { scimPatch, type ScimPatchOperation, type ScimResource } from 'scim-patch';
import { invalidPath, invalidValue, noTarget, ScimError } from './errors.js';
import { attribute, isObject } from './values.js';

// SCIM PATCH (RFC 7644 §3.5.2) as identity providers really send it. scim-patch applies the operations
// to a user; before that they are made regular: `op` in any case ("Replace", Entra), and Entra's
// path-less operation whose value object has keys that are paths with a filter
// (`"emails[type eq \"work\"].value": "…"`), which become one operation per such key. Group members are
// planned here rather than patched in a document, so that adding or removing one member never reads the
// whole member list.

export type PatchOp = 'add' | 'replace' | 'remove';

export interface Operation {
  op: PatchOp;
  path?: string;
  value?: unknown;
}

/** Reads and regularises a PatchOp body; 400 invalidSyntax / invalidValue naming what is wrong. */
export function readPatchBody(body: unknown): Operation[] {
  if (!isObject(body)) throw new ScimError(400, 'The body must be a PatchOp message.', 'invalidSyntax');
  const ops = attribute(body, 'Operations');
  if (!Array.isArray(ops) || ops.length === 0) throw new ScimError(400, "The PatchOp message needs a non-empty 'Operations' array.", 'invalidSyntax', 'Operations');
  const out: Operation[] = [];
  ops.forEach((raw, i) => {
    if (!isObject(raw)) throw new ScimError(400, `Operations[${i}] must be an object.`, 'invalidSyntax', 'Operations');
    const op = String(attribute(raw, 'op') ?? '').toLowerCase();
    if (op !== 'add' && op !== 'replace' && op !== 'remove') throw new ScimError(400, `Operations[${i}].op must be add, replace or remove.`, 'invalidSyntax', 'op');
    const path = attribute(raw, 'path');
    if (path !== undefined && path !== null && typeof path !== 'string') throw invalidPath(`Operations[${i}].path must be a string.`);
    const value = attribute(raw, 'value');
    if (!path) {
      if (op === 'remove') throw new ScimError(400, `Operations[${i}]: a remove needs a path.`, 'noTarget');
      if (!isObject(value)) throw invalidValue(`Operations[${i}]: an ${op} without a path needs an object value.`);
      const plain: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        if (k.includes('[')) out.push({ op, path: k, value: v });
        else plain[k] = v;
      }
      if (Object.keys(plain).length > 0) out.push({ op, value: plain });
      return;
    }
    out.push({ op, path, value });
  });
  return out;
}

/** Applies operations to a SCIM resource (a copy); scim-patch's refusals become SCIM errors. */
export function applyPatch<T extends Record<string, unknown>>(resource: T, ops: Operation[]): T {
  let doc = structuredClone(resource) as unknown as ScimResource;
  for (const op of ops) {
    try {
      doc = scimPatch(doc, [op as unknown as ScimPatchOperation], { mutateDocument: false, treatMissingAsAdd: true });
    } catch (e) {
      const name = (e as Error).constructor?.name ?? '';
      // removing what is not there leaves nothing to do (a replayed PATCH changes nothing the second time)
      if (op.op === 'remove' && (name === 'FilterOnEmptyArray' || name === 'NoTarget')) continue;
      // Entra removes a manager with the value it had ([{"$ref":null,"value":"…"}]): a single-valued attribute goes whatever it held
      if (op.op === 'remove' && name === 'RemoveValueNotArray') {
        doc = scimPatch(doc, [{ op: 'remove', path: op.path! }], { mutateDocument: false });
        continue;
      }
      if (name === 'NoTarget') throw noTarget((e as Error).message);
      if (name === 'InvalidScimPatchRequest' || name === 'InvalidScimPatchOp') throw invalidValue((e as Error).message);
      throw invalidPath((e as Error).message);
    }
  }
  return doc as unknown as T;
}

const ENTERPRISE_ATTRIBUTES = ['manager', 'department', 'employeenumber', 'costcenter', 'division', 'organization'];

/** A User PATCH path naming an enterprise attribute without its schema (`manager`, as some Entra versions send) gets the schema URN. */
export function qualifyEnterprisePaths(ops: Operation[], enterpriseUrn: string): Operation[] {
  return ops.map((op) => {
    const head = op.path?.split(/[.[]/)[0].toLowerCase();
    return head && ENTERPRISE_ATTRIBUTES.includes(head) ? { ...op, path: `${enterpriseUrn}:${op.path}` } : op;
  });
}

// ---- groups

/** What a Group PATCH does to the members, in order; `where` tests a member for a filtered remove. */
export type MemberChange =
  | { op: 'add'; ids: string[] }
  | { op: 'remove'; ids: string[] }
  | { op: 'replace'; ids: string[] }
  | { op: 'removeAll' }
  | { op: 'removeWhere'; where: (member: { value: string; type: string }) => boolean };

export interface GroupPatchPlan {
  /** operations on the group's own attributes (displayName, externalId), for applyPatch */
  attributes: Operation[];
  members: MemberChange[];
}

function memberIds(value: unknown, where: string): string[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map((m, i) => {
    const id = typeof m === 'string' ? m : isObject(m) ? attribute(m, 'value') : undefined;
    if (typeof id !== 'string' || !id) throw invalidValue(`${where}[${i}] must be a member with a value (the member's id).`, 'members');
    return id;
  });
}

/** The ids a member filter names when it is `value eq "…"` or an `or` of those; undefined for anything else. */
function eqValues(f: Filter): string[] | undefined {
  if (f.op === 'eq' && (f as { attrPath: string }).attrPath.toLowerCase() === 'value') {
    const v = (f as { compValue: unknown }).compValue;
    return typeof v === 'string' ? [v] : undefined;
  }
  if (f.op === 'or') {
    const parts = (f as { filters: Filter[] }).filters.map(eqValues);
    return parts.every((p) => p) ? parts.flat() as string[] : undefined;
  }
  return undefined;
}

const MEMBERS_PATH = /^(?:urn:ietf:params:scim:schemas:core:2\.0:group:)?members(?:\[(.*)\])?(?:\.value)?$/is;

/** Splits a Group PATCH into attribute operations and member changes; 400 for a member path it cannot read. */
export function planGroupPatch(ops: Operation[]): GroupPatchPlan {
  const plan: GroupPatchPlan = { attributes: [], members: [] };
  for (const op of ops) {
    if (!op.path) {
      const value = { ...(op.value as Record<string, unknown>) };
      const key = Object.keys(value).find((k) => k.toLowerCase() === 'members');
      if (key) {
        const ids = memberIds(value[key], 'members');
        plan.members.push(op.op === 'replace' ? { op: 'replace', ids } : { op: 'add', ids });
        delete value[key];
      }
      // Okta's rename sends the id along: it cannot change, so it is no attribute to patch
      for (const k of Object.keys(value)) if (k.toLowerCase() === 'id' || k.toLowerCase() === 'schemas' || k.toLowerCase() === 'meta') delete value[k];
      if (Object.keys(value).length > 0) plan.attributes.push({ op: op.op, value });
      continue;
    }
    const m = MEMBERS_PATH.exec(op.path.trim());
    if (!m) {
      plan.attributes.push(op);
      continue;
    }
    const filterText = m[1];
    if (filterText !== undefined) {
      if (op.op !== 'remove') throw invalidPath(`'${op.path}': members can be added or replaced as a whole list only.`);
      let f: Filter;
      try {
        f = parse(filterText);
      } catch (e) {
        throw invalidPath(`'${op.path}': the member filter cannot be read: ${(e as Error).message}.`);
      }
      const ids = eqValues(f);
      plan.members.push(ids ? { op: 'remove', ids } : { op: 'removeWhere', where: filterPredicate(f) });
      continue;
    }
    if (op.op === 'remove') {
      // Entra removes members by a value list on the members path; no value removes them all
      plan.members.push(op.value === undefined || op.value === null ? { op: 'removeAll' } : { op: 'remove', ids: memberIds(op.value, 'value') });
    } else {
      const ids = memberIds(op.value, 'value');
      plan.members.push(op.op === 'replace' ? { op: 'replace', ids } : { op: 'add', ids });
    }
  }
  return plan;
}
