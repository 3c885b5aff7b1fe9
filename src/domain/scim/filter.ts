import { parse, type Filter } from 'scim2-parse-filter';
import { invalidFilter } from './errors.js';
import { CORE_GROUP, CORE_USER, ENTERPRISE_USER } from './schemas.js';

// SCIM filters (RFC 7644 §3.4.2.2), parsed by scim2-parse-filter and checked here against the attributes
// Latchkey keeps, into a condition tree that the store turns into SQL (store/scim.ts): identity providers
// look a user up by userName or externalId before every create, which must be an index lookup, not a
// scan. An attribute Latchkey does not know, or an operator it cannot apply, is 400 invalidFilter.

export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'lt' | 'ge' | 'le';

/** A filterable attribute: `key` is what the store maps to a column. */
export interface FilterAttribute {
  key: string;
  type: 'string' | 'boolean' | 'dateTime';
  /** compared as sent; otherwise case-insensitively (RFC 7643 §2.2's default) */
  caseExact?: boolean;
}

export type Condition =
  | { kind: 'and' | 'or'; items: Condition[] }
  | { kind: 'not'; item: Condition }
  | { kind: 'const'; value: boolean }
  | { kind: 'compare'; attribute: FilterAttribute; op: CompareOp; value: string | boolean }
  | { kind: 'present'; attribute: FilterAttribute }
  /** some direct member of the group matches (attributes member.value, member.type) */
  | { kind: 'member'; item: Condition };

const s = (key: string, caseExact = false): FilterAttribute => ({ key, type: 'string', caseExact });
const META = { 'meta.created': { key: 'created', type: 'dateTime' }, 'meta.lastmodified': { key: 'lastModified', type: 'dateTime' } } as const;

const USER_ATTRIBUTES: Record<string, FilterAttribute> = {
  id: s('id', true),
  username: s('userName'),
  externalid: s('externalId', true),
  displayname: s('displayName'),
  'name.givenname': s('givenName'),
  'name.familyname': s('familyName'),
  emails: s('mail'),
  'emails.value': s('mail'),
  title: s('title'),
  active: { key: 'active', type: 'boolean' },
  'enterprise.department': s('department'),
  'enterprise.employeenumber': s('employeeNumber'),
  'enterprise.costcenter': s('costCenter'),
  'enterprise.division': s('division'),
  'enterprise.organization': s('organization'),
  'enterprise.manager': s('manager', true),
  'enterprise.manager.value': s('manager', true),
  ...META,
};

const GROUP_ATTRIBUTES: Record<string, FilterAttribute> = {
  id: s('id', true),
  displayname: s('displayName'),
  externalid: s('externalId', true),
  ...META,
};

const MEMBER_ATTRIBUTES: Record<string, FilterAttribute> = {
  value: s('member.value', true),
  type: s('member.type'),
};

export type ResourceKind = 'User' | 'Group';

/** An attribute path without its schema URN, lower-cased; the enterprise extension's under `enterprise.`. */
function normalisePath(path: string, kind: ResourceKind): string {
  const lower = path.toLowerCase();
  const core = `${(kind === 'User' ? CORE_USER : CORE_GROUP).toLowerCase()}:`;
  if (lower.startsWith(core)) return lower.slice(core.length);
  const ent = `${ENTERPRISE_USER.toLowerCase()}:`;
  if (kind === 'User' && lower.startsWith(ent)) return `enterprise.${lower.slice(ent.length)}`;
  return lower;
}

const COMPARE_OPS = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt', 'ge', 'le']);

function known(table: Record<string, FilterAttribute>, path: string, raw: string): FilterAttribute {
  const a = table[path];
  if (!a) throw invalidFilter(`The filter names an attribute that cannot be filtered on: '${raw}'.`);
  return a;
}

function compare(attribute: FilterAttribute, op: string, value: unknown, raw: string): Condition {
  if (!COMPARE_OPS.has(op)) throw invalidFilter(`Unknown filter operator '${op}'.`);
  if (attribute.type === 'boolean') {
    if (typeof value !== 'boolean' || (op !== 'eq' && op !== 'ne')) throw invalidFilter(`'${raw}' is a boolean: compare it with eq or ne to true or false.`);
    return { kind: 'compare', attribute, op: op as CompareOp, value };
  }
  if (value === null) {
    // "x eq null" is how some clients say "x is not present"
    if (op === 'eq') return { kind: 'not', item: { kind: 'present', attribute } };
    if (op === 'ne') return { kind: 'present', attribute };
  }
  if (typeof value !== 'string' && typeof value !== 'number') throw invalidFilter(`'${raw}' must be compared to a string.`);
  return { kind: 'compare', attribute, op: op as CompareOp, value: String(value) };
}

function build(f: Filter, kind: ResourceKind, table: Record<string, FilterAttribute>): Condition {
  switch (f.op) {
    case 'and':
    case 'or':
      return { kind: f.op, items: (f as { filters: Filter[] }).filters.map((x) => build(x, kind, table)) };
    case 'not':
      return { kind: 'not', item: build((f as { filter: Filter }).filter, kind, table) };
    case '[]': {
      const vp = f as { attrPath: string; valFilter: Filter };
      const path = normalisePath(vp.attrPath, kind);
      if (kind === 'Group' && path === 'members') return { kind: 'member', item: build(vp.valFilter, kind, MEMBER_ATTRIBUTES) };
      if (kind === 'User' && path === 'emails') return build(vp.valFilter, kind, EMAIL_SUB_ATTRIBUTES);
      throw invalidFilter(`The filter names an attribute that cannot be filtered on: '${vp.attrPath}'.`);
    }
    case 'pr': {
      const raw = (f as { attrPath: string }).attrPath;
      const path = normalisePath(raw, kind);
      if (kind === 'Group' && (path === 'members' || path === 'members.value')) return { kind: 'member', item: { kind: 'const', value: true } };
      if (table === EMAIL_SUB_ATTRIBUTES && (path === 'type' || path === 'primary')) return { kind: 'present', attribute: USER_ATTRIBUTES.emails };
      return { kind: 'present', attribute: known(table, path, raw) };
    }
    default: {
      const c = f as { op: string; attrPath: string; compValue: unknown };
      const path = normalisePath(c.attrPath, kind);
      const op = c.op.toLowerCase();
      if (kind === 'Group' && table === GROUP_ATTRIBUTES && (path === 'members' || path === 'members.value')) {
        return { kind: 'member', item: compare(MEMBER_ATTRIBUTES.value, op, c.compValue, c.attrPath) };
      }
      if (table === EMAIL_SUB_ATTRIBUTES && path === 'type') {
        // Latchkey keeps one address, the work one, which is also the primary
        const work = typeof c.compValue === 'string' && c.compValue.toLowerCase() === 'work';
        if (op === 'eq') return work ? { kind: 'present', attribute: USER_ATTRIBUTES.emails } : { kind: 'const', value: false };
        throw invalidFilter("emails.type can be compared with eq only.");
      }
      if (table === EMAIL_SUB_ATTRIBUTES && path === 'primary') {
        return op === 'eq' && c.compValue === true ? { kind: 'present', attribute: USER_ATTRIBUTES.emails } : { kind: 'const', value: false };
      }
      return compare(known(table, path, c.attrPath), op, c.compValue, c.attrPath);
    }
  }
}

const EMAIL_SUB_ATTRIBUTES: Record<string, FilterAttribute> = { value: USER_ATTRIBUTES.emails };

/** Parses and checks a filter for Users or Groups; 400 invalidFilter when it cannot be read or names what Latchkey does not keep. */
export function parseScimFilter(text: string, kind: ResourceKind): Condition {
  let ast: Filter;
  try {
    ast = parse(text);
  } catch (e) {
    throw invalidFilter(`The filter cannot be read: ${(e as Error).message}.`);
  }
  return build(ast, kind, kind === 'User' ? USER_ATTRIBUTES : GROUP_ATTRIBUTES);
}
