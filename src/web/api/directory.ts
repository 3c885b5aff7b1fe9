import { getPage, odataString, query } from './client';

// The directory search behind every picker (catalog roles and resources, sponsors, tenant roles, policy
// requestors and approvers), so the same typed name finds the same people everywhere.

export interface DirectoryObject {
  '@odata.type'?: string;
  id: string;
  displayName: string | null;
  userPrincipalName?: string | null;
  mail?: string | null;
  description?: string | null;
}

export type PrincipalKind = 'user' | 'group';

export type FoundObject = DirectoryObject & { kind: PrincipalKind };

/** How many of each kind a search shows: enough to pick from, few enough to read while typing. */
const SEARCH_LIMIT = 10;

export function kindOf(o: DirectoryObject): PrincipalKind {
  return o['@odata.type']?.toLowerCase().endsWith('group') ? 'group' : 'user';
}

/**
 * Users and/or groups whose name contains the text anywhere (so a surname finds the person), users by
 * their sign-in name too. The API has no $search: contains() is its case-insensitive match.
 */
export async function searchDirectory(text: string, kinds: readonly PrincipalKind[], signal?: AbortSignal): Promise<FoundObject[]> {
  const t = odataString(text.trim());
  const [users, groups] = await Promise.all([
    kinds.includes('user')
      ? getPage<DirectoryObject>(`/v1.0/users${query({ $filter: `contains(displayName,${t}) or contains(userPrincipalName,${t})`, $select: 'id,displayName,userPrincipalName,mail', $top: SEARCH_LIMIT })}`, signal)
      : null,
    kinds.includes('group')
      ? getPage<DirectoryObject>(`/v1.0/groups${query({ $filter: `contains(displayName,${t})`, $select: 'id,displayName,description,mail', $top: SEARCH_LIMIT })}`, signal)
      : null,
  ]);
  return [
    ...(users?.value ?? []).map((u) => ({ ...u, kind: 'user' as const })),
    ...(groups?.value ?? []).map((g) => ({ ...g, kind: 'group' as const })),
  ];
}
