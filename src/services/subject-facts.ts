import { emailDomain } from '../domain/connected-organization.js';
import { NotFoundError } from '../domain/errors.js';
import { isGuid } from '../domain/ids.js';
import type { Principal } from '../domain/authorization.js';
import type { RuleSubject } from '../domain/membership-rule.js';
import type { SubjectFacts } from '../domain/policy/types.js';
import type { Db, Tx } from '../store/db.js';
import { transitiveGroupIds } from '../store/membership.js';
import { findConnectedOrganizationById, listOrganizationsByKey } from '../store/connected-organizations.js';
import { findUserByEmail, findUserById, type UserRow } from '../store/users.js';

// What the policy scope rules need to know about the person access is for, loaded in one place so
// that requests, direct assignments and "what may I request" all judge a person the same way.

async function organizationByEmail(db: Db | Tx, email: string | null): Promise<{ id: string; state: string } | undefined> {
  const domain = email ? emailDomain(email) : undefined;
  if (!domain) return undefined;
  // the key's primary key allows one organization per domain
  return (await listOrganizationsByKey(db, `domain:${domain}`))[0];
}

const orgState = (s: string | undefined): 'configured' | 'proposed' | null => (s === 'configured' || s === 'proposed' ? s : null);

async function factsOfUser(db: Db | Tx, user: UserRow, knownGroupIds?: readonly string[]): Promise<SubjectFacts> {
  const userType = user.userType.toLowerCase() === 'guest' ? 'Guest' : 'Member';
  const email = user.mail ?? user.userPrincipalName;
  let org: { id: string; state: string } | undefined;
  // members belong to this tenant; only guests come from a connected organization
  if (userType === 'Guest') {
    org = user.connectedOrganizationId
      ? await findConnectedOrganizationById(db, user.connectedOrganizationId)
      : undefined;
    org ??= await organizationByEmail(db, email);
  }
  return {
    userId: user.id,
    email,
    userType,
    groupIds: new Set((knownGroupIds ?? (await transitiveGroupIds(db, user.id))).map((g) => g.toLowerCase())),
    connectedOrganizationId: org?.id ?? null,
    connectedOrganizationState: orgState(org?.state),
    attributes: ruleSubjectOf(user),
  };
}

/** A user's attributes as membership rules name them (domain/membership-rule.ts). */
export function ruleSubjectOf(user: UserRow): RuleSubject {
  return {
    accountEnabled: !!user.accountEnabled, department: user.department, displayName: user.displayName, employeeId: user.employeeId,
    givenName: user.givenName, jobTitle: user.jobTitle, mail: user.mail, mailNickname: user.mailNickname, surname: user.surname,
    userPrincipalName: user.userPrincipalName, userType: user.userType, costCenter: user.costCenter, division: user.division, organization: user.organization,
  };
}

/**
 * Facts about a directory user, or about an email address: an address that belongs to a directory
 * user (mail or sign-in name) is that user; otherwise it is an external person not in the directory
 * yet, matched to a connected organization by domain. 404 for an unknown user id.
 */
export async function loadSubjectFacts(db: Db | Tx, who: { userId: string; groupIds?: readonly string[] } | { email: string }): Promise<SubjectFacts> {
  if ('userId' in who) {
    const user = isGuid(who.userId) ? await findUserById(db, who.userId.toLowerCase()) : undefined;
    if (!user) throw new NotFoundError('User', who.userId);
    return factsOfUser(db, user, who.groupIds);
  }
  const email = who.email.trim();
  const key = email.toLowerCase();
  const user = await findUserByEmail(db, key);
  if (user) return factsOfUser(db, user);
  const org = await organizationByEmail(db, email);
  return {
    userId: null,
    email,
    userType: null,
    groupIds: new Set(),
    connectedOrganizationId: org?.id ?? null,
    connectedOrganizationState: orgState(org?.state),
  };
}

/** Facts about the caller, with the groups found when the request was authenticated (one group walk less). */
export function callerFacts(db: Db | Tx, p: Principal): Promise<SubjectFacts> {
  return loadSubjectFacts(db, { userId: p.userId, groupIds: p.groupIds });
}
