import { audienceMatch } from './auth.js';
import { EM, PAGE_SIZE, callerOf, page, type FloorRoutes } from './route.js';

// Floor of accessPackages/filterByCurrentUser(on='allowedRequestor'): authenticate, walk the caller's
// groups, then one query over the self-add audience index (migration 0005), in display-name order, one page
// of 100 (plus one row to know about a next page). Left out, and why it is still a fair floor: no OData
// parsing ($filter/$select/$expand: the bench sends none), no role read (the answer does not depend on
// roles), Latchkey's redundant "visible to the caller" clause (the audience match already implies it), and
// the connected-organization keys (the bench has no guests; they would be two more OR terms). Read in page
// order over the display-name index, stopping after a page.

interface PackageRow {
  id: string;
  display_name: string;
  description: string | null;
  is_hidden: number;
  created_at: string;
  modified_at: string;
}

export const allowedRequestor: FloorRoutes = (app, db) => {
  app.get(`${EM}/accessPackages/filterByCurrentUser(on='allowedRequestor')`, async (req, reply) => {
    const caller = await callerOf(db, req, reply);
    if (!caller) return reply;
    const audience = audienceMatch(caller);
    const rows = await db.all<PackageRow>(
      `select p.id, p.display_name, p.description, p.is_hidden, p.created_at, p.modified_at
       from access_packages p join catalogs c on c.id = p.catalog_id
       where p.is_hidden = 0 and c.state = 'published'${caller.userType === 'Guest' ? ' and c.is_externally_visible = 1' : ''}
         and exists (select 1 from assignment_policy_audience a where a.access_package_id = p.id and ${audience.sql})
       order by p.display_name, p.id limit ?`,
      [...audience.params, PAGE_SIZE + 1]);
    return page(rows, PAGE_SIZE, PAGE_SIZE, req.url, (r) => ({
      id: r.id, displayName: r.display_name, description: r.description, isHidden: !!Number(r.is_hidden), createdDateTime: r.created_at, modifiedDateTime: r.modified_at,
    }));
  });
};
