// Role definitions: a fixed list held in code (the product's documented role catalogue), so lists are
// filtered, ordered and paged in memory, with the same $filter semantics as the SQL translation.
import { roleDefinitions, type RoleDefinition } from '../../domain/authorization.js';
import { ValidationError } from '../../domain/errors.js';
import { applySelect, nextLink, type GraphObject, type Page } from '../odata/collection.js';
import type { FilterExpr, Operand } from '../odata/filter-parser.js';
import { parseQueryOptions, type ODataRequest } from '../odata/query-options.js';

export function roleDefinitionToGraph(r: RoleDefinition): GraphObject {
  return {
    id: r.id,
    displayName: r.displayName,
    description: r.description,
    isBuiltIn: true,
    isEnabled: true,
    templateId: r.id,
    rolePermissions: [],
  };
}

type MemoryFieldType = 'string' | 'guid' | 'boolean';
const ROLE_DEFINITION_FIELDS: Record<string, MemoryFieldType> = {
  id: 'guid', displayName: 'string', description: 'string', templateId: 'guid', isBuiltIn: 'boolean', isEnabled: 'boolean',
};
export const ROLE_DEFINITION_PROPERTIES = ['id', 'displayName', 'description', 'isBuiltIn', 'isEnabled', 'templateId', 'rolePermissions'];

/**
 * Evaluates a parsed $filter against an object in memory, with the same semantics as the SQL
 * translation: GUIDs compare case-insensitively, contains/startswith/endswith are case-insensitive.
 */
function matches(e: FilterExpr, obj: GraphObject, fields: Record<string, MemoryFieldType>, entity: string): boolean {
  const value = (op: Operand): { v: unknown; type?: MemoryFieldType } => {
    if (op.kind === 'literal') return { v: op.value };
    if (op.kind === 'fn') {
      const inner = value(op.arg);
      if (typeof inner.v !== 'string') throw new ValidationError(`${op.name}() takes a text property.`, '$filter');
      return { v: op.name === 'tolower' ? inner.v.toLowerCase() : inner.v.toUpperCase(), type: 'string' };
    }
    const type = Object.prototype.hasOwnProperty.call(fields, op.path) ? fields[op.path] : undefined;
    if (!type) throw new ValidationError(`Property '${op.path}' of ${entity} is not known or cannot be used in $filter. Supported: ${Object.keys(fields).join(', ')}.`, '$filter');
    return { v: obj[op.path], type };
  };
  const norm = (x: { v: unknown; type?: MemoryFieldType }, other?: MemoryFieldType) =>
    typeof x.v === 'string' && (x.type === 'guid' || other === 'guid') ? x.v.toLowerCase() : x.v;
  const walk = (x: FilterExpr): boolean => {
    switch (x.kind) {
      case 'and': return walk(x.left) && walk(x.right);
      case 'or': return walk(x.left) || walk(x.right);
      case 'not': return !walk(x.expr);
      case 'truthy': return value(x.operand).v === true;
      case 'in': {
        const l = value(x.left);
        return x.values.some((lit) => norm({ v: lit.value }, l.type) === norm(l));
      }
      case 'call': {
        const l = value(x.args[0]);
        const r = value(x.args[1]);
        if (typeof l.v !== 'string' || typeof r.v !== 'string') throw new ValidationError(`${x.name}() takes a text property and a quoted text value.`, '$filter');
        const hay = l.v.toLowerCase();
        const needle = r.v.toLowerCase();
        return x.name === 'contains' ? hay.includes(needle) : x.name === 'startswith' ? hay.startsWith(needle) : hay.endsWith(needle);
      }
      case 'cmp': {
        const l = value(x.left);
        const r = value(x.right);
        const a = norm(l, r.type);
        const b = norm(r, l.type);
        switch (x.op) {
          case 'eq': return a === b;
          case 'ne': return a !== b;
          default: {
            if (typeof a !== 'string' || typeof b !== 'string') throw new ValidationError(`'${x.op}' compares text values only here.`, '$filter');
            const c = a < b ? -1 : a > b ? 1 : 0;
            return x.op === 'gt' ? c > 0 : x.op === 'ge' ? c >= 0 : x.op === 'lt' ? c < 0 : c <= 0;
          }
        }
      }
    }
  };
  return walk(e);
}

/** A Graph list over objects held in memory: $filter, $orderby, $top/$skip/$skiptoken, $count and $select. */
function listInMemory(all: GraphObject[], req: ODataRequest, entity: string, fields: Record<string, MemoryFieldType>, properties: string[]): Page {
  const opts = parseQueryOptions(req.query);
  if (opts.expand.length > 0) throw new ValidationError(`${entity} has no navigation properties that can be expanded.`, '$expand');
  let items = opts.filter ? all.filter((o) => matches(opts.filter!, o, fields, entity)) : [...all];
  for (const o of [...opts.orderby].reverse()) {
    if (!fields[o.path]) throw new ValidationError(`Property '${o.path}' of ${entity} cannot be used in $orderby. Supported: ${Object.keys(fields).join(', ')}.`, '$orderby');
    items = items.sort((x, y) => {
      const a = String(x[o.path]);
      const b = String(y[o.path]);
      return (a < b ? -1 : a > b ? 1 : 0) * (o.desc ? -1 : 1);
    });
  }
  const total = items.length;
  const top = opts.top ?? items.length;
  const pageItems = items.slice(opts.skip, opts.skip + top);
  const page: Page = { value: pageItems.map((o) => applySelect({ entity, properties }, o, opts.select, [])) };
  if (opts.count) page['@odata.count'] = total;
  if (opts.skip + top < total) page['@odata.nextLink'] = nextLink(req, opts.skip + top);
  return page;
}

/** GET roleDefinitions: the whole catalogue with the request's options. */
export function listRoleDefinitions(req: ODataRequest): Page {
  return listInMemory(roleDefinitions.map(roleDefinitionToGraph), req, 'unifiedRoleDefinition', ROLE_DEFINITION_FIELDS, ROLE_DEFINITION_PROPERTIES);
}

/** GET roleDefinitions/{id}: one definition with the request's $select (it has nothing to $expand). */
export function shapeRoleDefinition(def: RoleDefinition, req: ODataRequest): GraphObject {
  const opts = parseQueryOptions(req.query, { filter: false });
  if (opts.expand.length > 0) throw new ValidationError('unifiedRoleDefinition has no navigation properties that can be expanded.', '$expand');
  return applySelect({ entity: 'unifiedRoleDefinition', properties: ROLE_DEFINITION_PROPERTIES }, roleDefinitionToGraph(def), opts.select, []);
}
