import { ScimError } from '../../../domain/scim/errors.js';
import { deleteGroupIn, groupDeletionRefusal } from '../../groups.js';
import { ownedGroup, scimChange, scimWrite, type ScimContext, type ScimDeps } from './context.js';

/** DELETE /Groups/{id}: as Latchkey's own deletion (groupDeleted), refused (409) while a catalog offers the group as a resource. */
export async function deleteScimGroup(deps: ScimDeps, ctx: ScimContext, id: string): Promise<void> {
  const change = scimChange(deps, ctx);
  await scimWrite(deps, async (tx) => {
    const group = await ownedGroup(tx, ctx, id);
    const refusal = await groupDeletionRefusal(tx, group);
    if (refusal) throw new ScimError(409, refusal);
    await deleteGroupIn(tx, change, group);
  });
}
