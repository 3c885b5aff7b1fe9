import { parseScimFilter } from '../../../domain/scim/filter.js';
import type { Page } from '../../../domain/scim/list.js';
import { listSourceUsers } from '../../../store/scim.js';
import type { ScimContext, ScimDeps } from './context.js';
import { renderUsers } from './render.js';

/** GET /Users: this source's users matching the filter, one page of them and the total. */
export async function listScimUsers(deps: ScimDeps, ctx: ScimContext, filter: string | undefined, page: Page) {
  const condition = filter?.trim() ? parseScimFilter(filter, 'User') : undefined;
  const { rows, total } = await listSourceUsers(deps.db, ctx.sourceId, condition, { offset: page.startIndex - 1, limit: page.count });
  return { total, resources: await renderUsers(deps.db, ctx, rows) };
}
