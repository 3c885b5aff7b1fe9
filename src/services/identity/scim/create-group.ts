import { readScimGroup } from '../../../domain/scim/groups.js';
import { createGroupIn } from '../../groups.js';
import { scimChange, scimWrite, type ScimContext, type ScimDeps } from './context.js';
import { addGroupMembers } from './group-members.js';
import { renderGroups } from './render.js';

/** POST /Groups: a security group owned by the token's source, with the members the body lists. */
export async function createScimGroup(deps: ScimDeps, ctx: ScimContext, body: unknown) {
  const fields = readScimGroup(body);
  const change = scimChange(deps, ctx);
  const row = await scimWrite(deps, async (tx) => {
    const group = await createGroupIn(tx, change, { displayName: fields.displayName }, { sourceId: ctx.sourceId, externalId: fields.externalId });
    await addGroupMembers(tx, change, group, fields.memberIds ?? []);
    return group;
  });
  return (await renderGroups(deps.db, ctx, [row], true))[0];
}
