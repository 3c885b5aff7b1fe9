import { RoleDefinitionIds } from '../../src/domain/authorization.js';
import { marks } from './db.js';
import { assignmentPage, assignmentToGraph } from './my-assignments.js';
import { EM, PAGE_SIZE, callerOf, page, type FloorRoutes } from './route.js';

// Floor of an administrator's filtered, paged list of a package's assignments
// (assignments?$filter=accessPackage/id eq '…' and state eq '…'&$top=100&$skip=…): authenticate, walk the
// groups, read the caller's roles (the one read route whose answer depends on them), then one page in the
// default order over the (access_package_id, start_at, id) index. Left out: a general OData parser (the floor
// reads just the two comparisons and $top/$skip the bench sends), Latchkey's join with access_packages (the
// filter names the package) and `select *`.

const FILTER = /^accessPackage\/id eq '([0-9a-fA-F-]{36})' and state eq '(\w+)'$/;
/** roles that read assignments: tenant-wide the administrator, in a catalog these (src/domain/authorization.ts) */
const CATALOG_READERS = [RoleDefinitionIds.catalogOwner, RoleDefinitionIds.accessPackageManager, RoleDefinitionIds.accessPackageAssignmentManager];

export const adminPagedList: FloorRoutes = (app, db) => {
  app.get<{ Querystring: Record<string, string> }>(`${EM}/assignments`, async (req, reply) => {
    const caller = await callerOf(db, req, reply);
    if (!caller) return reply;
    const m = FILTER.exec(req.query.$filter ?? '');
    if (!m) return reply.code(400).send({ error: { code: 'BadRequest', message: "the floor reads only $filter=accessPackage/id eq '…' and state eq '…'" } });
    const top = Math.min(Number(req.query.$top ?? PAGE_SIZE), 999);
    const skip = Number(req.query.$skip ?? 0);
    const principals = [caller.userId, ...caller.groupIds];
    const roles = await db.all<{ role_definition_id: string; catalog_id: string | null }>(
      `select role_definition_id, catalog_id from role_assignments where principal_id in (${marks(principals.length)})`, principals);
    const admin = roles.some((r) => !r.catalog_id && r.role_definition_id === RoleDefinitionIds.administrator);
    let where = 'a.access_package_id = ? and a.state = ?';
    const params: unknown[] = [m[1], m[2]];
    if (!admin) {
      const catalogs = roles.filter((r) => r.catalog_id && (CATALOG_READERS as string[]).includes(r.role_definition_id)).map((r) => r.catalog_id!);
      if (catalogs.length === 0) return reply.code(403).send({ error: { code: 'Forbidden', message: 'no assignment reader role' } });
      where += ` and a.access_package_id in (select id from access_packages where catalog_id in (${marks(catalogs.length)}))`;
      params.push(...catalogs);
    }
    return page(await assignmentPage(db, where, params, top, skip), top, skip + top, req.url, assignmentToGraph);
  });
};
