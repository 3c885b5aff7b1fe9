import type { AccountRef, Target } from '../../connectors/kit.js';
import { ConnectorError } from '../../connectors/types.js';
import type { Clock } from '../../domain/clock.js';
import { isoNow } from '../../domain/clock.js';
import type { Db } from '../../store/db.js';
import { findAccountLink, insertAccountLink, listAccountLinks } from '../../store/connection-accounts.js';
import { findAccountSubject, listAccountSubjects, type AccountSubjectRow } from '../../store/users.js';

// Which account in a connection's target system a grant goes to. Once linked (connection_accounts),
// always that account: a later change of the user's mail or of the connection's rule must not send a
// revoke to someone else. The first time, the connection's account rule finds it (target.findAccount);
// when it finds none and the connection creates accounts (SCIM createAccounts, PostgreSQL createAccounts:
// the connector only offers createAccount then) Latchkey creates it. Otherwise delivery fails, not
// retryably, saying what was looked for, so an administrator can create the account or fix the rule.
// Called inside connectionTargets.call, outside any transaction: the target may be a remote system.

/**
 * The links and account subjects a batch of deliveries needs, read in two queries before any target is
 * called (each query a delivery makes on its own waits its turn for the database).
 */
export interface KnownAccounts {
  links: Map<string, AccountRef>;
  subjects: Map<string, AccountSubjectRow>;
}

const known = (connectionId: string, userId: string) => `${connectionId}\n${userId}`;
const linkedAccount = (link: { accountId: string; display: string }): AccountRef => ({ id: link.accountId, display: link.display });

export async function prefetchAccounts(db: Db, grants: readonly { connectionId: string | null; targetId: string }[]): Promise<KnownAccounts> {
  const connected = grants.filter((g): g is { connectionId: string; targetId: string } => g.connectionId !== null);
  const links = new Map((await listAccountLinks(db, connected.map((g) => g.connectionId), connected.map((g) => g.targetId)))
    .map((l) => [known(l.connectionId, l.userId), linkedAccount(l)]));
  const unlinked = connected.filter((g) => !links.has(known(g.connectionId, g.targetId))).map((g) => g.targetId);
  const subjects = new Map((await listAccountSubjects(db, unlinked)).map((s) => [s.id, s]));
  return { links, subjects };
}

export async function accountFor(deps: { db: Db; clock: Clock }, connectionId: string, target: Target, userId: string, prefetched?: KnownAccounts): Promise<AccountRef> {
  const prefetchedLink = prefetched?.links.get(known(connectionId, userId));
  if (prefetchedLink) return prefetchedLink;
  const link = await findAccountLink(deps.db, connectionId, userId);
  if (link) return linkedAccount(link);
  const subject = prefetched?.subjects.get(userId) ?? await findAccountSubject(deps.db, userId);
  if (!subject) throw new ConnectorError(`Only users have accounts in connected systems; ${userId} is not a user of this directory.`, false);
  let account = await target.findAccount(subject);
  let created = false;
  if (!account && target.createAccount) {
    account = await target.createAccount(subject);
    created = true;
  }
  if (!account) {
    const what = target.describeAccount?.(subject) ?? `an account for ${subject.userPrincipalName}`;
    throw new ConnectorError(`No account found: looked for ${what}, and this connection does not create accounts.`, false);
  }
  // two deliveries of the same person racing: the first link stays, and both use it
  const stored = await insertAccountLink(deps.db, {
    connectionId, userId, accountId: account.id, display: account.display, createdByLatchkey: created ? 1 : 0, linkedAt: isoNow(deps.clock),
  });
  return linkedAccount(stored);
}

/**
 * The account a revoke goes to: the linked one, else (a link removed meanwhile) the one the rule finds
 * now. Undefined when there is none: nothing was delivered there, so there is nothing to take away, and
 * a removal must not wait forever for an account that does not exist. Never creates one.
 */
export async function accountToRevoke(deps: { db: Db }, connectionId: string, target: Target, userId: string): Promise<AccountRef | undefined> {
  const link = await findAccountLink(deps.db, connectionId, userId);
  if (link) return linkedAccount(link);
  const subject = await findAccountSubject(deps.db, userId);
  return subject ? target.findAccount(subject) : undefined;
}
