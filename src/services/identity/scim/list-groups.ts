import { parseScimFilter } from '../../../domain/scim/filter.js';
import type { Page } from '../../../domain/scim/list.js';
import { listSourceGroups } from '../../../store/scim.js';
import type { ScimContext, ScimDeps } from './context.js';
import { renderGroups } from './render.js';

/** GET /Groups: this source's groups matching the filter (members filters included), one page and the total. */
export async function listScimGroups(deps: ScimDeps, ctx: ScimContext, filter: string | undefined, page: Page, withMembers: boolean) {
  const condition = filter?.trim() ? parseScimFilter(filter, 'Group') : undefined;
  const { rows, total } = await listSourceGroups(deps.db, ctx.sourceId, condition, { offset: page.startIndex - 1, limit: page.count });
  return { total, resources: await renderGroups(deps.db, ctx, rows, withMembers) };
}
