import { hashToken } from '../../src/services/tokens.js';
import { marks, type Sql } from './db.js';

// Authentication as the floor does it: the token's hash looked up with its user in one statement (Latchkey:
// token, then user), last use recorded at most once a minute (as src/services/tokens.ts does), and the
// caller's groups at any depth by the recursive query of src/store/membership.ts. Roles are read only by the
// route that needs them (adminPagedList); Latchkey reads them on every request to build its principal.

export interface Caller {
  userId: string;
  userType: string;
  displayName: string;
  mail: string | null;
  groupIds: string[];
}

interface TokenRow {
  id: string;
  user_id: string;
  revoked_at: string | null;
  last_used_at: string | null;
  user_type: string;
  account_enabled: number;
  display_name: string;
  mail: string | null;
}

/** The same recursive CTE as transitiveGroupIds (LATERAL … OFFSET 0 on PostgreSQL, the plain join on SQLite). */
export async function groupWalk(q: Sql, pgStore: boolean, memberId: string): Promise<string[]> {
  const step = pgStore
    ? 'select gm.group_id from anc cross join lateral (select group_id from group_members where member_id = anc.group_id offset 0) gm'
    : 'select gm.group_id from group_members gm join anc on gm.member_id = anc.group_id';
  const rows = await q.all<{ group_id: string }>(`with recursive anc(group_id) as (select group_id from group_members where member_id = ? union ${step}) select group_id from anc`, [memberId]);
  return rows.map((r) => r.group_id);
}

export async function authenticate(q: Sql, pgStore: boolean, authorization: string | undefined): Promise<Caller | undefined> {
  const m = /^Bearer (lk_\S{1,200})$/.exec(authorization ?? '');
  if (!m) return undefined;
  const [row] = await q.all<TokenRow>(
    `select t.id, t.user_id, t.revoked_at, t.last_used_at, u.user_type, u.account_enabled, u.display_name, u.mail
     from api_tokens t join users u on u.id = t.user_id where t.token_hash = ?`, [hashToken(m[1])]);
  if (!row || row.revoked_at || !Number(row.account_enabled)) return undefined;
  const now = Date.now();
  if (!row.last_used_at || now - new Date(row.last_used_at).getTime() > 60_000) {
    await q.run('update api_tokens set last_used_at = ? where id = ?', [new Date(now).toISOString(), row.id]);
  }
  return { userId: row.user_id, userType: row.user_type, displayName: row.display_name, mail: row.mail, groupIds: await groupWalk(q, pgStore, row.user_id) };
}

/**
 * The caller's keys in the self-add audience (migration 0005; audienceKeys in src/domain/policy/scope.ts) as a
 * condition on the audience row `a`: the broad scopes of the caller's user type, the caller, the caller's
 * groups. (Connected organizations are left out: the bench has no guests.)
 */
export function audienceMatch(caller: Caller): { sql: string; params: string[] } {
  const broad = caller.userType === 'Member' ? ['allMemberUsers', 'allDirectoryUsers'] : caller.userType === 'Guest' ? ['allDirectoryUsers', 'allExternalUsers'] : ['allExternalUsers'];
  const groups = caller.groupIds.length ? ` or (a.subject_kind = 'group' and a.subject_id in (${marks(caller.groupIds.length)}))` : '';
  return {
    sql: `((a.subject_kind in (${marks(broad.length)}) and a.subject_id = '*') or (a.subject_kind = 'user' and a.subject_id = ?)${groups})`,
    params: [...broad, caller.userId, ...caller.groupIds],
  };
}
