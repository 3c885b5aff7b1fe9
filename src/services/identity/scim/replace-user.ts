import { readScimUser } from '../../../domain/scim/users.js';
import { ownedUser, scimChange, scimWrite, type ScimContext, type ScimDeps } from './context.js';
import { renderUsers } from './render.js';
import { writeUserFields } from './user-fields.js';

/** PUT /Users/{id} (Okta's update): the user becomes what the body says; attributes left out are cleared. */
export async function replaceScimUser(deps: ScimDeps, ctx: ScimContext, id: string, body: unknown) {
  const fields = readScimUser(body);
  const change = scimChange(deps, ctx);
  const row = await scimWrite(deps, async (tx) => writeUserFields(tx, change, await ownedUser(tx, ctx, id), fields));
  return (await renderUsers(deps.db, ctx, [row]))[0];
}
