import { ownedGroup, type ScimContext, type ScimDeps } from './context.js';
import { renderGroups } from './render.js';

/** GET /Groups/{id}; without the members when the request excludes them (Entra does, to keep answers small). */
export async function getScimGroup(deps: ScimDeps, ctx: ScimContext, id: string, withMembers: boolean) {
  const row = await ownedGroup(deps.db, ctx, id);
  return (await renderGroups(deps.db, ctx, [row], withMembers))[0];
}
