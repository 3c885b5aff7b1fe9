// Who may request under a policy: the scope rule, the self-add audience an index holds, and the
// reference's precedence among policies a subject matches.

import { matchesRule } from '../membership-rule.js';
import { T, type AllowedTargetScope, type Policy, type SubjectFacts } from './types.js';

/** Whether a subject is inside a policy's "who can request". notSpecified (administrators only) admits no one. */
export function isInScope(policy: Policy, subject: SubjectFacts): boolean {
  switch (policy.allowedTargetScope) {
    case 'notSpecified':
      return false;
    case 'specificDirectoryUsers':
      if (!subject.userId || subject.userType === null) return false;
      return policy.specificAllowedTargets.some((t) =>
        (t['@odata.type'] === `${T}singleUser` && t.userId.toLowerCase() === subject.userId!.toLowerCase())
        || (t['@odata.type'] === `${T}groupMembers` && subject.groupIds.has(t.groupId.toLowerCase()))
        || (t['@odata.type'] === `${T}attributeRuleMembers` && !!subject.attributes && matchesRule(t.membershipRule, subject.attributes)));
    case 'allMemberUsers':
      return subject.userType === 'Member';
    case 'allDirectoryUsers':
      return subject.userType === 'Member' || subject.userType === 'Guest';
    case 'specificConnectedOrganizationUsers': {
      if (subject.userType === 'Member' || !subject.connectedOrganizationId) return false;
      const org = subject.connectedOrganizationId.toLowerCase();
      return policy.specificAllowedTargets.some((t) => t['@odata.type'] === `${T}connectedOrganizationMembers` && t.connectedOrganizationId.toLowerCase() === org);
    }
    case 'allConfiguredConnectedOrganizationUsers':
      return subject.userType !== 'Member' && !!subject.connectedOrganizationId && subject.connectedOrganizationState === 'configured';
    case 'allExternalUsers':
      // every connected organization (configured or proposed) plus external people from no known organization
      return subject.userType !== 'Member';
    default:
      return false;
  }
}

/** One entry of a policy's self-add audience: a broad scope (subjectId '*') or a user, group or connected organization it names. */
export interface AudienceEntry {
  kind: 'allMemberUsers' | 'allDirectoryUsers' | 'allConfiguredConnectedOrganizationUsers' | 'allExternalUsers' | 'user' | 'group' | 'connectedOrganization';
  subjectId: string;
}

/**
 * Who may self-add under a policy, as rows an index can hold (table assignment_policy_audience): empty
 * unless the policy accepts self-service add requests. A subject may request the package when one of
 * audienceKeys(subject) is in the audience of one of its policies — exactly when selfServicePolicies(…,
 * 'add') is non-empty (precedence only chooses among policies that match, it never empties the set).
 */
export function selfAddAudience(p: Policy): AudienceEntry[] {
  if (!p.requestorSettings.acceptRequests || !p.requestorSettings.enableTargetsToSelfAddAccess) return [];
  const scope = p.allowedTargetScope;
  if (scope === 'allMemberUsers' || scope === 'allDirectoryUsers' || scope === 'allConfiguredConnectedOrganizationUsers' || scope === 'allExternalUsers') {
    return [{ kind: scope, subjectId: '*' }];
  }
  const out = new Map<string, AudienceEntry>();
  const add = (kind: AudienceEntry['kind'], id: string) => out.set(`${kind}:${id.toLowerCase()}`, { kind, subjectId: id.toLowerCase() });
  for (const t of p.specificAllowedTargets) {
    if (scope === 'specificDirectoryUsers' && t['@odata.type'] === `${T}singleUser`) add('user', t.userId);
    if (scope === 'specificDirectoryUsers' && t['@odata.type'] === `${T}groupMembers`) add('group', t.groupId);
    if (scope === 'specificConnectedOrganizationUsers' && t['@odata.type'] === `${T}connectedOrganizationMembers`) add('connectedOrganization', t.connectedOrganizationId);
  }
  return [...out.values()];
}

/** The audience entries a subject matches (the other half of selfAddAudience; mirrors isInScope). */
export function audienceKeys(s: SubjectFacts): AudienceEntry[] {
  const keys: AudienceEntry[] = [];
  const member = s.userType === 'Member';
  if (member) keys.push({ kind: 'allMemberUsers', subjectId: '*' });
  if (s.userType === 'Member' || s.userType === 'Guest') keys.push({ kind: 'allDirectoryUsers', subjectId: '*' });
  if (!member) keys.push({ kind: 'allExternalUsers', subjectId: '*' });
  if (!member && s.connectedOrganizationId && s.connectedOrganizationState === 'configured') keys.push({ kind: 'allConfiguredConnectedOrganizationUsers', subjectId: '*' });
  if (s.userId && s.userType !== null) {
    keys.push({ kind: 'user', subjectId: s.userId.toLowerCase() });
    for (const g of s.groupIds) keys.push({ kind: 'group', subjectId: g.toLowerCase() });
  }
  if (!member && s.connectedOrganizationId) keys.push({ kind: 'connectedOrganization', subjectId: s.connectedOrganizationId.toLowerCase() });
  return keys;
}

/** Reference precedence (P1 strictest): the requestor chooses only among policies of the best tier they match. */
export function scopePriority(scope: AllowedTargetScope): 1 | 2 | 3 | 4 | undefined {
  switch (scope) {
    case 'specificDirectoryUsers':
    case 'specificConnectedOrganizationUsers':
    case 'specificDirectoryServicePrincipals':
      return 1;
    case 'allMemberUsers':
      return 2;
    case 'allDirectoryUsers':
    case 'allDirectoryServicePrincipals':
      return 3;
    case 'allConfiguredConnectedOrganizationUsers':
    case 'allExternalUsers':
      return 4;
    default:
      return undefined;
  }
}

const SELF_FLAG = {
  add: 'enableTargetsToSelfAddAccess',
  update: 'enableTargetsToSelfUpdateAccess',
  remove: 'enableTargetsToSelfRemoveAccess',
} as const;

/** Policies a subject may use for a self-service request of this kind: enabled (acceptRequests), the matching self flag, in scope, and only the highest-priority tier (the requestor chooses among equals). */
export function selfServicePolicies(policies: Policy[], subject: SubjectFacts, kind: 'add' | 'update' | 'remove'): Policy[] {
  const usable = policies.filter((p) => p.requestorSettings.acceptRequests && p.requestorSettings[SELF_FLAG[kind]] && isInScope(p, subject));
  if (usable.length === 0) return [];
  const best = Math.min(...usable.map((p) => scopePriority(p.allowedTargetScope) ?? 9));
  return usable.filter((p) => (scopePriority(p.allowedTargetScope) ?? 9) === best);
}
