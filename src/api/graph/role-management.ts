import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { typed } from '../route-input.js';
import { sql, type SqlBool } from 'kysely';
import { findRoleDefinition, roleDefinitions, type Principal, type RoleDefinition } from '../../domain/authorization.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../domain/errors.js';
import type { FilterExpr, Operand } from '../odata/filter-parser.js';
import type { RoleAssignmentRow } from '../../services/role-assignments.js';
import type { Services } from '../../services/index.js';
import type { Db } from '../../store/db.js';
import { applySelect, listCollection, nextLink, shapeOne, type EntitySet, type GraphObject, type NavigationLoader, type Page } from '../odata/collection.js';
import { parseQueryOptions } from '../odata/query-options.js';
import { Body, CollectionOf, GraphObjectSchema, IdParams, Nullable } from '../schemas.js';
import { callerOf } from '../security.js';
import { odataType, ROLE_MGMT } from './paths.js';

interface Ctx {
  db: Db;
  principal: Principal;
}

// ---- role definitions: a fixed list held in code, so lists are filtered in memory

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
const ROLE_DEFINITION_PROPERTIES = ['id', 'displayName', 'description', 'isBuiltIn', 'isEnabled', 'templateId', 'rolePermissions'];

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
function listInMemory(all: GraphObject[], req: FastifyRequest, entity: string, fields: Record<string, MemoryFieldType>, properties: string[]): Page {
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

// ---- role assignments

export function roleAssignmentToGraph(r: RoleAssignmentRow): GraphObject {
  return {
    id: r.id,
    principalId: r.principalId,
    roleDefinitionId: r.roleDefinitionId,
    appScopeId: r.appScopeId,
    // every entitlement management scope lies within the whole directory
    directoryScopeId: '/',
    condition: null,
  };
}

const principalLoader: NavigationLoader<Ctx> = async (items, item, ctx) => {
  const ids = [...new Set(items.map((i) => String(i.principalId)))];
  const [users, groups] = await Promise.all([
    ctx.db.selectFrom('users').select(['id', 'displayName', 'userPrincipalName', 'mail']).where('id', 'in', ids).execute(),
    ctx.db.selectFrom('groups').select(['id', 'displayName', 'mail']).where('id', 'in', ids).execute(),
  ]);
  const byId = new Map<string, GraphObject>();
  for (const u of users) byId.set(u.id, { '@odata.type': odataType('user'), id: u.id, displayName: u.displayName, userPrincipalName: u.userPrincipalName, mail: u.mail });
  for (const g of groups) byId.set(g.id, { '@odata.type': odataType('group'), id: g.id, displayName: g.displayName, mail: g.mail });
  for (const obj of items) {
    const p = byId.get(String(obj.principalId));
    obj.principal = p && item.select ? applySelect({ entity: 'directoryObject', properties: ['id', 'displayName', 'userPrincipalName', 'mail'] }, p, item.select, []) : (p ?? null);
  }
};

const roleDefinitionLoader: NavigationLoader<Ctx> = async (items, item) => {
  for (const obj of items) {
    const def = findRoleDefinition(String(obj.roleDefinitionId));
    obj.roleDefinition = def ? applySelect({ entity: 'unifiedRoleDefinition', properties: ROLE_DEFINITION_PROPERTIES }, roleDefinitionToGraph(def), item.select, []) : null;
  }
};

/** appScope: Graph's appScope object ({id, displayName, type}) for the catalog or the directory. */
const appScopeLoader: NavigationLoader<Ctx> = async (items, _item, ctx) => {
  const catalogIds = [...new Set(items.map((i) => /^\/AccessPackageCatalog\/(.+)$/.exec(String(i.appScopeId))?.[1]).filter((x): x is string => !!x))];
  const catalogs = catalogIds.length ? await ctx.db.selectFrom('catalogs').select(['id', 'displayName']).where('id', 'in', catalogIds).execute() : [];
  const names = new Map(catalogs.map((c) => [c.id, c.displayName]));
  for (const obj of items) {
    const scope = String(obj.appScopeId);
    const catalogId = /^\/AccessPackageCatalog\/(.+)$/.exec(scope)?.[1];
    obj.appScope = catalogId
      ? { id: scope, displayName: names.get(catalogId) ?? null, type: 'AccessPackageCatalog' }
      : { id: '/', displayName: 'Directory', type: 'Directory' };
  }
};

export const roleAssignmentSet: EntitySet<RoleAssignmentRow, Ctx> = {
  entity: 'unifiedRoleAssignment',
  fields: {
    id: { column: 'roleAssignments.id', type: 'guid' },
    principalId: { column: 'roleAssignments.principalId', type: 'guid' },
    roleDefinitionId: { column: 'roleAssignments.roleDefinitionId', type: 'guid' },
    appScopeId: { column: 'roleAssignments.appScopeId', type: 'string' },
  },
  properties: ['id', 'principalId', 'roleDefinitionId', 'appScopeId', 'directoryScopeId', 'condition'],
  navigation: { principal: principalLoader, roleDefinition: roleDefinitionLoader, appScope: appScopeLoader },
  defaultOrder: 'appScopeId',
  idColumn: 'roleAssignments.id',
  toGraph: roleAssignmentToGraph,
  // no navigation leads here; the two routes narrow by the service's visibility (async: it reads group memberships)
  readable: () => 'all',
};

const RoleDefinitionSchema = GraphObjectSchema('unifiedRoleDefinition', {
  displayName: Type.String(),
  description: Nullable(Type.String()),
  isBuiltIn: Type.Boolean(),
  isEnabled: Type.Boolean(),
  templateId: Type.String(),
  rolePermissions: Type.Array(Type.Unknown()),
});

const RoleAssignmentSchema = GraphObjectSchema('unifiedRoleAssignment', {
  principalId: Type.String(),
  roleDefinitionId: Type.String(),
  appScopeId: Type.String(),
  directoryScopeId: Nullable(Type.String()),
});

const CreateRoleAssignment = Body({
  principalId: Type.String({ maxLength: 200, description: 'id of a user or group' }),
  roleDefinitionId: Type.String({ maxLength: 200 }),
  appScopeId: Type.Optional(Nullable(Type.String({ maxLength: 300, description: "'/' for tenant roles, '/AccessPackageCatalog/{catalogId}' for catalog roles" }))),
  directoryScopeId: Type.Optional(Nullable(Type.String({ maxLength: 300, description: "older form: '/' only" }))),
});

// Role assignment routes are { authenticated: true } on purpose: who may create or remove an
// assignment depends on the role and catalog in the body or the stored row (canAssignRole), and who
// may read one on its catalog, so the service and handlers check it once those are known.
export function registerRoleManagementRoutes(parent: FastifyInstance, services: Services, db: Db): void {
  const app = typed(parent);
  const svc = services.roleAssignments;

  // role definitions are the product's fixed, documented role catalogue: any signed-in caller may read them
  app.get(`${ROLE_MGMT}/roleDefinitions`, {
    config: { auth: { authenticated: true } },
    schema: { tags: ['roleManagement'], summary: 'List entitlement management role definitions', response: { 200: CollectionOf(RoleDefinitionSchema) } },
  }, async (req) => listInMemory(roleDefinitions.map(roleDefinitionToGraph), req, 'unifiedRoleDefinition', ROLE_DEFINITION_FIELDS, ROLE_DEFINITION_PROPERTIES));

  app.get(`${ROLE_MGMT}/roleDefinitions/:id`, {
    config: { auth: { authenticated: true } },
    schema: { tags: ['roleManagement'], summary: 'Get a role definition', params: IdParams, response: { 200: RoleDefinitionSchema } },
  }, async (req) => {
    const { id } = req.params;
    const def = findRoleDefinition(id);
    if (!def) throw new NotFoundError('Role definition', id);
    const opts = parseQueryOptions(req.query, { filter: false });
    if (opts.expand.length > 0) throw new ValidationError('unifiedRoleDefinition has no navigation properties that can be expanded.', '$expand');
    return applySelect({ entity: 'unifiedRoleDefinition', properties: ROLE_DEFINITION_PROPERTIES }, roleDefinitionToGraph(def), opts.select, []);
  });

  app.get(`${ROLE_MGMT}/roleAssignments`, {
    config: { auth: { authenticated: true } },
    schema: { tags: ['roleManagement'], summary: 'List role assignments the caller may read', response: { 200: CollectionOf(RoleAssignmentSchema) } },
  }, async (req) => {
    const p = req.principal!;
    const visible = await svc.visibility(p);
    let q = db.selectFrom('roleAssignments').selectAll('roleAssignments');
    if (visible !== 'all') {
      const { catalogIds, principalIds } = visible;
      q = q.where((eb) => eb.or([
        eb('roleAssignments.principalId', 'in', principalIds),
        catalogIds.length > 0 ? eb('roleAssignments.catalogId', 'in', catalogIds) : sql<SqlBool>`1 = 0`,
      ]));
    }
    return listCollection(roleAssignmentSet, q, req, { db, principal: p });
  });

  app.post(`${ROLE_MGMT}/roleAssignments`, {
    config: { auth: { authenticated: true } },
    schema: { tags: ['roleManagement'], summary: 'Assign a role at the tenant or in a catalog', body: CreateRoleAssignment, response: { 201: RoleAssignmentSchema } },
  }, async (req, reply) => {
    const row = await svc.create(callerOf(req), req.body);
    return reply.status(201).header('Location', `${ROLE_MGMT}/roleAssignments/${row.id}`).send(roleAssignmentToGraph(row));
  });

  app.get(`${ROLE_MGMT}/roleAssignments/:id`, {
    config: { auth: { authenticated: true } },
    schema: { tags: ['roleManagement'], summary: 'Get a role assignment', params: IdParams, response: { 200: RoleAssignmentSchema } },
  }, async (req) => {
    const p = req.principal!;
    const row = await svc.get(req.params.id);
    if (!(await svc.canSee(p, row))) throw new ForbiddenError(`This needs the 'catalog.read' permission in the assignment's catalog.`);
    return shapeOne(roleAssignmentSet, row, req, { db, principal: p });
  });

  app.delete(`${ROLE_MGMT}/roleAssignments/:id`, {
    config: { auth: { authenticated: true } },
    schema: { tags: ['roleManagement'], summary: 'Remove a role assignment', params: IdParams, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    await svc.delete(callerOf(req), req.params.id);
    return reply.status(204).send(null);
  });
}
