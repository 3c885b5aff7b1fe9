import { ownedUser, type ScimContext, type ScimDeps } from './context.js';
import { renderUsers } from './render.js';

/** GET /Users/{id}: a user this source owns. */
export async function getScimUser(deps: ScimDeps, ctx: ScimContext, id: string) {
  const row = await ownedUser(deps.db, ctx, id);
  return (await renderUsers(deps.db, ctx, [row]))[0];
}
