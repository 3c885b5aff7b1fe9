import { readScimUser } from '../../../domain/scim/users.js';
import { setManagerIn, createUserIn } from '../../users.js';
import { scimChange, scimWrite, type ScimContext, type ScimDeps } from './context.js';
import { renderUsers } from './render.js';
import { userInputOf } from './user-fields.js';

/** POST /Users: a new user owned by the token's source (userCreated, then managerSet when it has one); 409 uniqueness on a taken userName. */
export async function createScimUser(deps: ScimDeps, ctx: ScimContext, body: unknown) {
  const fields = readScimUser(body);
  const change = scimChange(deps, ctx);
  const row = await scimWrite(deps, async (tx) => {
    const created = await createUserIn(tx, change, userInputOf(fields), { sourceId: ctx.sourceId });
    if (fields.managerId) await setManagerIn(tx, change, created, fields.managerId.toLowerCase(), 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager');
    return { ...created, managerId: fields.managerId?.toLowerCase() ?? null };
  });
  return (await renderUsers(deps.db, ctx, [row]))[0];
}
