import { readScimGroup } from '../../../domain/scim/groups.js';
import { updateGroupIn } from '../../groups.js';
import { ownedGroup, scimChange, scimWrite, type ScimContext, type ScimDeps } from './context.js';
import { replaceGroupMembers } from './group-members.js';
import { renderGroups } from './render.js';

/** PUT /Groups/{id}: name and externalId as the body says; the members too when it lists them. */
export async function replaceScimGroup(deps: ScimDeps, ctx: ScimContext, id: string, body: unknown) {
  const fields = readScimGroup(body);
  const change = scimChange(deps, ctx);
  const row = await scimWrite(deps, async (tx) => {
    const next = await updateGroupIn(tx, change, await ownedGroup(tx, ctx, id), { displayName: fields.displayName, externalId: fields.externalId });
    if (fields.memberIds) await replaceGroupMembers(tx, change, next, fields.memberIds);
    return next;
  });
  return (await renderGroups(deps.db, ctx, [row], true))[0];
}
