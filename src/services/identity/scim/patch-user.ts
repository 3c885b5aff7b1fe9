import { applyPatch, qualifyEnterprisePaths, readPatchBody } from '../../../domain/scim/patch.js';
import { ENTERPRISE_USER } from '../../../domain/scim/schemas.js';
import { readScimUser } from '../../../domain/scim/users.js';
import { ownedUser, scimChange, scimWrite, type ScimContext, type ScimDeps } from './context.js';
import { renderUsers } from './render.js';
import { writeUserFields } from './user-fields.js';

/**
 * PATCH /Users/{id}: the operations are applied to the user's SCIM resource (scim-patch), and the result
 * written as a PUT would. Replaying a PATCH changes nothing the second time, and publishes nothing.
 */
export async function patchScimUser(deps: ScimDeps, ctx: ScimContext, id: string, body: unknown) {
  const ops = qualifyEnterprisePaths(readPatchBody(body), ENTERPRISE_USER);
  const change = scimChange(deps, ctx);
  const row = await scimWrite(deps, async (tx) => {
    const current = await ownedUser(tx, ctx, id);
    const [resource] = await renderUsers(tx, ctx, [current]);
    const patched = applyPatch(resource as unknown as Record<string, unknown>, ops);
    return writeUserFields(tx, change, current, readScimUser(patched));
  });
  return (await renderUsers(deps.db, ctx, [row]))[0];
}
