import { readScimGroup } from '../../../domain/scim/groups.js';
import { applyPatch, planGroupPatch, readPatchBody } from '../../../domain/scim/patch.js';
import { scimGroup } from '../../../domain/scim/groups.js';
import { updateGroupIn } from '../../groups.js';
import { ownedGroup, scimChange, scimWrite, type ScimContext, type ScimDeps } from './context.js';
import { applyMemberChanges } from './group-members.js';

/**
 * PATCH /Groups/{id}: the group's own attributes through scim-patch, its members one change at a time
 * (never reading the member list for an add or a remove by value). Answers 204, as Entra and Okta
 * accept, so that a PATCH of a large group does not send every member back.
 */
export async function patchScimGroup(deps: ScimDeps, ctx: ScimContext, id: string, body: unknown): Promise<void> {
  const plan = planGroupPatch(readPatchBody(body));
  const change = scimChange(deps, ctx);
  await scimWrite(deps, async (tx) => {
    let group = await ownedGroup(tx, ctx, id);
    if (plan.attributes.length > 0) {
      const patched = applyPatch(scimGroup(group, ctx.base) as unknown as Record<string, unknown>, plan.attributes);
      const fields = readScimGroup(patched);
      group = await updateGroupIn(tx, change, group, { displayName: fields.displayName, externalId: fields.externalId });
    }
    await applyMemberChanges(tx, change, group, plan.members);
  });
}
