import { isoNow } from '../../domain/clock.js';
import { DomainError, NotFoundError } from '../../domain/errors.js';
import { findConnectionById, recordConnectionHealth } from '../../store/connections.js';
import type { Caller } from '../deps.js';
import type { ConnectionDeps } from './deps.js';
import { withSecretBox } from './view.js';

// Testing a connection: connect, authenticate, say what was found. Any failure of the target (down,
// wrong password, a setting it refuses) is an answer, not an error: { ok: false, error } with the
// connection marked failing, whatever the error's kind (connectionTargets.call leaves a refusal about
// one account out of the health, but a test is about the connection itself).

export type TestOutcome = { ok: true; summary: string } | { ok: false; error: string };

export async function testConnection(deps: ConnectionDeps, caller: Caller, id: string): Promise<TestOutcome> {
  const row = await findConnectionById(deps.db, id);
  if (!row) throw new NotFoundError('Connection', id);
  // a fresh client: the test must connect and bind now, not reuse a session opened with old settings
  await deps.connectionTargets.forget(id);
  let outcome: TestOutcome;
  try {
    const found = await withSecretBox(() => deps.connectionTargets.call(id, (c) => c.target.test()));
    outcome = { ok: true, summary: found.summary };
  } catch (e) {
    // the secret box's 503 and a vanished connection's 404 are the server's answers, not the target's
    if (e instanceof DomainError && (e.status === 503 || e.status === 404)) throw e;
    outcome = { ok: false, error: (e as Error).message || String(e) };
    // the cached health of a failed client is reset with it, so that the next success is written
    await deps.connectionTargets.forget(id);
  }
  const at = isoNow(deps.clock);
  await deps.db.transaction().execute(async (tx) => {
    await recordConnectionHealth(tx, id, outcome.ok ? { ok: true, at } : { ok: false, at, error: outcome.error });
    await deps.events.publish(tx, caller, {
      type: 'connectionTested', connectionId: id, name: row.displayName, ok: outcome.ok, outcome: outcome.ok ? outcome.summary : outcome.error,
    }, { at });
  });
  return outcome;
}
