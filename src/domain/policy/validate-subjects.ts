// Subject sets in a policy body (who can request, on-behalf requestors, approvers), collecting the
// ids they name for the service to check.

import { MAX_RULE_LENGTH, membershipRuleError } from '../membership-rule.js';
import { arrayAt, fail, guidAt, objectAt, odataKind, stringAt } from './fields.js';
import { MAX_APPROVERS_PER_LIST } from './limits.js';
import { T, type PolicyReferences, type SubjectKind, type SubjectSet } from './types.js';

export function subjectSet(v: unknown, field: string, kinds: readonly SubjectKind[], refs: PolicyReferences): SubjectSet {
  const kind = odataKind(v, field, kinds) as SubjectKind;
  const o = v as Record<string, unknown>;
  const type = `${T}${kind}`;
  const desc = () => stringAt(o.description, `${field}.description`);
  switch (kind) {
    case 'singleUser': {
      objectAt(o, field, ['userId', 'description', 'isBackup', 'id']);
      const userId = guidAt(o.userId ?? o.id, `${field}.userId`);
      refs.users.push({ id: userId, field: `${field}.userId` });
      return { '@odata.type': type as '#microsoft.graph.singleUser', userId, description: desc() };
    }
    case 'groupMembers': {
      objectAt(o, field, ['groupId', 'description', 'isBackup', 'id']);
      const groupId = guidAt(o.groupId ?? o.id, `${field}.groupId`);
      refs.groups.push({ id: groupId, field: `${field}.groupId` });
      return { '@odata.type': type as '#microsoft.graph.groupMembers', groupId, description: desc() };
    }
    case 'connectedOrganizationMembers': {
      objectAt(o, field, ['connectedOrganizationId', 'description', 'isBackup', 'id']);
      const id = guidAt(o.connectedOrganizationId ?? o.id, `${field}.connectedOrganizationId`);
      refs.connectedOrganizations.push({ id, field: `${field}.connectedOrganizationId` });
      return { '@odata.type': type as '#microsoft.graph.connectedOrganizationMembers', connectedOrganizationId: id, description: desc() };
    }
    case 'requestorManager': {
      objectAt(o, field, ['managerLevel', 'isBackup']);
      const level = o.managerLevel ?? 1;
      if (level !== 1 && level !== 2) fail(`${field}.managerLevel`, `'${field}.managerLevel' must be 1 or 2.`);
      return { '@odata.type': type as '#microsoft.graph.requestorManager', managerLevel: level };
    }
    case 'attributeRuleMembers': {
      objectAt(o, field, ['membershipRule', 'description']);
      const membershipRule = stringAt(o.membershipRule, `${field}.membershipRule`, { required: true, max: MAX_RULE_LENGTH })!;
      const error = membershipRuleError(membershipRule);
      if (error) fail(`${field}.membershipRule`, `'${field}.membershipRule' is not a valid rule: ${error.message}.`);
      return { '@odata.type': type as '#microsoft.graph.attributeRuleMembers', membershipRule, description: desc() };
    }
    default:
      objectAt(o, field, ['isBackup', 'description']);
      return { '@odata.type': type } as SubjectSet;
  }
}

export function subjectList(v: unknown, field: string, kinds: readonly SubjectKind[], refs: PolicyReferences, max = MAX_APPROVERS_PER_LIST): SubjectSet[] {
  const items = arrayAt(v, field);
  if (items.length > max) fail(field, `'${field}' may list at most ${max} entries.`);
  const out = items.map((x, i) => subjectSet(x, `${field}[${i}]`, kinds, refs));
  const seen = new Set<string>();
  out.forEach((s, i) => {
    const key = JSON.stringify({ ...s, description: undefined });
    if (seen.has(key)) fail(`${field}[${i}]`, `'${field}[${i}]' repeats an earlier entry.`);
    seen.add(key);
  });
  return out;
}

