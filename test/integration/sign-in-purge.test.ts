import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { newId } from '../../src/domain/ids.js';
import { createServices } from '../../src/services/index.js';
import { createSessionService } from '../../src/services/sessions.js';
import { createSignInPurge, SIGN_IN_PURGE_EVERY_MS } from '../../src/services/sign-in-purge.js';
import { openStore } from '../../src/store/db.js';
import { databaseUrlOf } from '../support/processes.js';
import { startTestServer, type TestServer } from '../support/server.js';

// The worker's sweep of what sign-in leaves behind: sessions that ended more than a day ago and OpenID
// Connect flows past their end. Driven by the test clock and the test worker (t.drain()), as the real
// worker runs it; then two sweeps at once on separate connections, as several workers would.

const HOUR = 3600_000;
const DAY = 24 * HOUR;
/** the idle timeout the test server is given, unlike the 8-hour default: the sweep must use the configured one */
const IDLE = HOUR;

describe('sweeping ended sessions and expired OIDC flows in the worker', () => {
  let t: TestServer;
  let userId: string;
  before(async () => {
    t = await startTestServer({ auth: { sessions: { idleMs: IDLE, absoluteMs: 7 * DAY } } });
    userId = (await t.user()).id;
  });
  after(async () => { await t?.close(); });

  const iso = (ms: number) => new Date(ms).toISOString();
  /** a session row whose times are given relative to now */
  async function session(name: string, at: { created?: number; lastSeen?: number; expires: number; revoked?: number }): Promise<string> {
    const now = t.clock.now().getTime();
    const id = `${name}-${newId()}`;
    await t.store.db.insertInto('sessions').values({
      id, tokenHash: randomBytes(32).toString('hex'), userId, via: 'demo',
      createdAt: iso(now + (at.created ?? -HOUR)), lastSeenAt: iso(now + (at.lastSeen ?? 0)), expiresAt: iso(now + at.expires),
      revokedAt: at.revoked === undefined ? null : iso(now + at.revoked),
    }).execute();
    return id;
  }
  async function flow(expiresIn: number): Promise<string> {
    const now = t.clock.now().getTime();
    const id = newId();
    await t.store.db.insertInto('oidcFlows').values({
      id, cookieHash: randomBytes(32).toString('hex'), state: 's', nonce: 'n', codeVerifier: 'v', returnTo: '/',
      createdAt: iso(now + expiresIn - 10 * 60_000), expiresAt: iso(now + expiresIn),
    }).execute();
    return id;
  }
  const sessionsLeft = async () => new Set((await t.store.db.selectFrom('sessions').select('id').execute()).map((r) => r.id));
  const flowsLeft = async () => new Set((await t.store.db.selectFrom('oidcFlows').select('id').execute()).map((r) => r.id));

  it('is one of the worker\'s periodic tasks', () => {
    assert.ok(t.app.services.workerTasks.periodic.some((p) => p.name === 'purgeSignIns'), 'purgeSignIns is registered with the worker tasks');
  });

  it('deletes sessions a day past their end and expired flows; keeps the rest; runs again only when due by the clock', async () => {
    const live = await session('live', { expires: 6 * DAY });
    const pastEnd = await session('past-end', { lastSeen: -2 * DAY - HOUR, expires: -2 * DAY });
    const justEnded = await session('just-ended', { lastSeen: -2 * HOUR, expires: -HOUR });
    const signedOut = await session('signed-out', { lastSeen: -2 * DAY, expires: 5 * DAY, revoked: -2 * DAY });
    const justSignedOut = await session('just-signed-out', { expires: 5 * DAY, revoked: -HOUR });
    // idle since 26 h: past the configured 1-hour idle timeout plus the day kept (it would stay under the 8-hour default)
    const idle = await session('idle', { lastSeen: -26 * HOUR, expires: 5 * DAY });
    const idleRecently = await session('idle-recently', { lastSeen: -24 * HOUR, expires: 5 * DAY });
    const expiredFlow = await flow(-1000);
    const liveFlow = await flow(10 * 60_000);

    await t.drain();
    assert.deepEqual(await sessionsLeft(), new Set([live, justEnded, justSignedOut, idleRecently]), 'only sessions ended over a day ago are gone');
    assert.deepEqual(await flowsLeft(), new Set([liveFlow]), 'the expired flow is gone');
    assert.ok(!(await sessionsLeft()).has(pastEnd) && !(await sessionsLeft()).has(signedOut) && !(await sessionsLeft()).has(idle), 'ended sessions deleted');
    assert.ok(!(await flowsLeft()).has(expiredFlow), 'expired flow deleted');

    // a sweep ran just now: nothing more until its interval has passed on the clock
    const late = await session('late', { lastSeen: -3 * DAY, expires: -2 * DAY });
    await t.drain();
    assert.ok((await sessionsLeft()).has(late), 'not swept again before the interval');
    t.clock.advance(SIGN_IN_PURGE_EVERY_MS - 1000);
    await t.drain();
    assert.ok((await sessionsLeft()).has(late), 'still not due a second before the interval ends');
    t.clock.advance(1000);
    await t.drain();
    assert.ok(!(await sessionsLeft()).has(late), 'swept once the interval has passed');

    // a day later the recently ended ones are past the day they are kept; the live session stays
    t.clock.advance(DAY);
    await t.drain();
    assert.deepEqual(await sessionsLeft(), new Set([live]), 'a day later only the live session is left');
    assert.deepEqual(await flowsLeft(), new Set(), 'the other flow expired too');
  });

  it('leaves ended sessions to the sweep: signing in deletes nothing', async () => {
    await t.store.db.deleteFrom('sessions').execute();
    const ended = await session('ended-before-sign-in', { lastSeen: -3 * DAY, expires: -2 * DAY });
    await createSessionService({ db: t.store.db, clock: t.clock }, { idleMs: IDLE, absoluteMs: 7 * DAY }).create(userId, 'demo');
    assert.ok((await sessionsLeft()).has(ended), 'the sign-in left the ended session in place');
    assert.equal((await sessionsLeft()).size, 2, 'the ended session and the new one');
    t.clock.advance(SIGN_IN_PURGE_EVERY_MS);
    await t.drain();
    const left = await sessionsLeft();
    assert.ok(!left.has(ended), 'the sweep deleted the ended session');
    assert.equal(left.size, 1, 'the new session stays');
  });

  it('works through a backlog in batches within one drain, and stays due while a batch comes back full', async () => {
    await t.store.db.deleteFrom('sessions').execute();
    const ended = [];
    for (let i = 0; i < 7; i++) ended.push(await session(`backlog${i}`, { lastSeen: -3 * DAY, expires: -2 * DAY }));
    const purge = createSignInPurge({ db: t.store.db, clock: t.clock }, { lifetimes: { idleMs: IDLE, absoluteMs: 7 * DAY }, batch: 3 });
    assert.equal(await purge.run(), 3, 'a full batch');
    assert.equal(await purge.run(), 3, 'a full batch leaves it due: it runs again at once');
    assert.equal(await purge.run(), 1, 'the rest');
    await session('after', { lastSeen: -3 * DAY, expires: -2 * DAY });
    assert.equal(await purge.run(), 0, 'a short batch ends the sweep until the next interval');
    assert.equal((await sessionsLeft()).size, 1);
  });

  it('is idempotent and safe when several workers sweep at the same moment on separate connections', { timeout: 60_000 }, async () => {
    await t.store.db.deleteFrom('sessions').execute();
    await t.store.db.deleteFrom('oidcFlows').execute();
    const live = await session('survivor', { expires: DAY });
    for (let i = 0; i < 40; i++) await session(`race${i}`, { lastSeen: -3 * DAY, expires: -2 * DAY });
    for (let i = 0; i < 10; i++) await flow(-60_000);
    const liveFlow = await flow(DAY);
    // on PostgreSQL a second pool, so the deletes really overlap; SQLite serialises writers in any case,
    // and a second connection in this process would block the event loop waiting for the first's lock
    const other = t.store.kind === 'postgres' ? openStore(await databaseUrlOf(t.store)) : t.store;
    try {
      const lifetimes = { idleMs: IDLE, absoluteMs: 7 * DAY };
      const mine = createSignInPurge({ db: t.store.db, clock: t.clock }, { lifetimes, batch: 8 });
      const theirs = createSignInPurge({ db: other.db, clock: t.clock }, { lifetimes, batch: 8 });
      const log = t.app.server.log;
      // and a whole second worker's task list, as `latchkey worker` builds it
      const third = createServices({ db: other.db, clock: t.clock, log }, { sessions: lifetimes }).workerTasks.periodic.find((p) => p.name === 'purgeSignIns');
      assert.ok(third, 'the purge is among the services\' worker tasks');
      let total = 0;
      for (;;) {
        const counts = await Promise.all([mine.run(), theirs.run(), third.run()]);
        total += counts.reduce((a, b) => a + b, 0);
        if (counts.every((c) => c === 0)) break;
        t.clock.advance(SIGN_IN_PURGE_EVERY_MS);
      }
      assert.equal(total, 50, 'every ended row deleted exactly once between them (40 sessions, 10 flows)');
      assert.deepEqual(await sessionsLeft(), new Set([live]));
      assert.deepEqual(await flowsLeft(), new Set([liveFlow]));
      t.clock.advance(SIGN_IN_PURGE_EVERY_MS);
      assert.deepEqual(await Promise.all([mine.run(), theirs.run(), third.run()]), [0, 0, 0], 'sweeping again changes nothing');
    } finally {
      if (other !== t.store) await other.close();
    }
  });
});
