import { activeAssignmentsOf, deleteUserIn, updateUserIn } from '../../users.js';
import { ownedUser, scimChange, scimWrite, type ScimContext, type ScimDeps } from './context.js';

/**
 * DELETE /Users/{id}. A user who holds no access is deleted as Latchkey's own deletion does it
 * (userDeleted). A user who still holds access package assignments cannot be deleted (their history and
 * their grants in target systems would be orphaned), so they are disabled (userUpdated with
 * accountEnabled: the leaver removes their access) and released by the source: the SCIM resource is gone
 * (404 from now on) and the Latchkey user remains, disabled, for an administrator to delete once the
 * access is removed.
 */
export async function deleteScimUser(deps: ScimDeps, ctx: ScimContext, id: string): Promise<'deleted' | 'disabled'> {
  const change = scimChange(deps, ctx);
  return scimWrite(deps, async (tx) => {
    const current = await ownedUser(tx, ctx, id);
    if ((await activeAssignmentsOf(tx, current.id)) === 0) {
      await deleteUserIn(tx, change, current);
      return 'deleted';
    }
    await updateUserIn(tx, change, current, { accountEnabled: false, sourceId: null, externalId: null });
    return 'disabled';
  });
}
