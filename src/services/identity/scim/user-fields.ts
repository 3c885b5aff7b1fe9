import type { ScimUserFields } from '../../../domain/scim/users.js';
import type { Tx } from '../../../store/db.js';
import type { UserRow } from '../../../store/users.js';
import { setManagerIn, updateUserIn, type DirectoryChange, type UserInput } from '../../users.js';

// Writing what a SCIM User says onto a Latchkey user: the same path for PUT and for PATCH (whose result
// is the patched resource). Every attribute SCIM maps is set, so one left out is cleared.

export function userInputOf(f: ScimUserFields): UserInput & { displayName: string; userPrincipalName: string } {
  return {
    userPrincipalName: f.userPrincipalName, displayName: f.displayName, givenName: f.givenName, surname: f.surname, mail: f.mail,
    jobTitle: f.jobTitle, department: f.department, employeeId: f.employeeId, costCenter: f.costCenter, division: f.division,
    organization: f.organization, externalId: f.externalId,
    ...(f.accountEnabled === undefined ? {} : { accountEnabled: f.accountEnabled }),
  };
}

/** Updates a user to what the SCIM fields say and sets or clears the manager; the events are users.ts's. */
export async function writeUserFields(tx: Tx, change: DirectoryChange, current: UserRow, f: ScimUserFields): Promise<UserRow> {
  const next = await updateUserIn(tx, change, current, userInputOf(f));
  await setManagerIn(tx, change, next, f.managerId?.toLowerCase() ?? null, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager');
  return { ...next, managerId: f.managerId?.toLowerCase() ?? null };
}
