import { ConflictError } from '../../../domain/errors.js';
import { DirectoryNotFoundError } from '../../../domain/directory.js';
import { invalidValue, scimNotFound, uniqueness } from '../../../domain/scim/errors.js';
import { isGuid } from '../../../domain/ids.js';
import type { Clock } from '../../../domain/clock.js';
import { isoNow } from '../../../domain/clock.js';
import { isUniqueViolation } from '../../../store/constraints.js';
import type { Db, Tx } from '../../../store/db.js';
import { findGroupById, type GroupRow } from '../../../store/groups.js';
import { findUserById, type UserRow } from '../../../store/users.js';
import type { EventBus } from '../../events/index.js';
import type { DirectoryChange } from '../../users.js';

// What every SCIM use case shares: who is provisioning (the token's identity source), how its changes are
// attributed in the audit log, and the rule that a source sees and changes only what it owns.

export interface ScimDeps {
  db: Db;
  clock: Clock;
  events: EventBus;
}

/** The identity source a provisioning token speaks for, and the base URL of its resources' locations. */
export interface ScimContext {
  sourceId: string;
  sourceName: string;
  /** e.g. https://latchkey.example.com/scim/v2 */
  base: string;
}

/** The change a SCIM request makes: no person acts, the source does (the audit log names it). */
export function scimChange(deps: ScimDeps, ctx: ScimContext): DirectoryChange {
  return { events: deps.events, caller: null, at: isoNow(deps.clock), by: `SCIM: ${ctx.sourceName}` };
}

/** A user this source owns; 404 otherwise (another source's users, or Latchkey's own, do not exist for it). */
export async function ownedUser(db: Db | Tx, ctx: ScimContext, id: string): Promise<UserRow> {
  const row = isGuid(id) ? await findUserById(db, id.toLowerCase()) : undefined;
  if (!row || row.sourceId !== ctx.sourceId) throw scimNotFound('User', id);
  return row;
}

export async function ownedGroup(db: Db | Tx, ctx: ScimContext, id: string): Promise<GroupRow> {
  const row = isGuid(id) ? await findGroupById(db, id.toLowerCase()) : undefined;
  if (!row || row.sourceId !== ctx.sourceId) throw scimNotFound('Group', id);
  return row;
}

/** Runs a SCIM write in one transaction; a taken userPrincipalName (checked, or refused by the unique index) is 409 uniqueness. */
export async function scimWrite<T>(deps: ScimDeps, fn: (tx: Tx) => Promise<T>): Promise<T> {
  try {
    return await deps.events.transaction(fn);
  } catch (e) {
    if (isUniqueViolation(e)) throw uniqueness('A user with this userName already exists.');
    if (e instanceof ConflictError && e.code === 'ObjectConflict') throw uniqueness(e.message);
    // a member or manager that names no object is a bad value in the request, not a missing resource
    if (e instanceof DirectoryNotFoundError) throw invalidValue(e.message);
    throw e;
  }
}
