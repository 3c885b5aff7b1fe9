import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AccountRef, Target, TargetRole } from '../../src/connectors/kit.js';
import { withLimits } from '../../src/connectors/limits.js';
import { ConnectorError } from '../../src/connectors/types.js';

const account: AccountRef = { id: 'a', display: 'A' };
const role = (n: number): TargetRole => ({ resourceId: `r${n}`, roleId: 'member' });

interface Pending {
  resourceId: string;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** A target whose grants wait until the test settles them, recording what runs at once. */
function fakeTarget() {
  const pending: Pending[] = [];
  const started: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let closed = 0;
  const target: Target = {
    async test() {
      return { summary: 'ok' };
    },
    async searchResources() {
      return [];
    },
    async lookupResource() {
      return undefined;
    },
    rolesOf() {
      return [{ originId: 'member', displayName: 'Member', description: null }];
    },
    async findAccount() {
      return account;
    },
    grant(_account, r) {
      started.push(r.resourceId);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      return new Promise((resolve, reject) => {
        pending.push({
          resourceId: r.resourceId,
          resolve: () => {
            inFlight--;
            resolve({ changed: true });
          },
          reject: (e) => {
            inFlight--;
            reject(e);
          },
        });
      });
    },
    async revoke() {
      throw new ConnectorError('no such group', false);
    },
    async listHolders() {
      return [];
    },
    async close() {
      closed++;
    },
  };
  return { target, pending, started, stats: () => ({ inFlight, maxInFlight, closed }) };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('connector limits (withLimits)', () => {
  it('never has more than `concurrency` calls in flight and starts the waiting ones in order', async () => {
    const fake = fakeTarget();
    const limited = withLimits(fake.target, { concurrency: 2, timeoutMs: 10_000 });
    const results = [1, 2, 3, 4, 5].map((n) => limited.grant(account, role(n)));
    await tick();
    assert.deepEqual(fake.started, ['r1', 'r2'], 'only two start');
    fake.pending[1]!.resolve();
    await tick();
    assert.deepEqual(fake.started, ['r1', 'r2', 'r3'], 'the first in line takes the freed slot');
    fake.pending[0]!.resolve();
    await tick();
    assert.deepEqual(fake.started, ['r1', 'r2', 'r3', 'r4']);
    // a newcomer does not overtake the one still waiting
    const late = limited.grant(account, role(6));
    fake.pending[2]!.resolve();
    await tick();
    assert.deepEqual(fake.started, ['r1', 'r2', 'r3', 'r4', 'r5']);
    fake.pending[3]!.resolve();
    fake.pending[4]!.resolve();
    await tick();
    fake.pending[5]!.resolve();
    for (const r of [...results, late]) assert.deepEqual(await r, { changed: true });
    assert.equal(fake.stats().maxInFlight, 2);
    assert.equal(fake.stats().inFlight, 0);
  });

  it('rejects a call that runs longer than timeoutMs with a retryable error and frees its slot', async () => {
    const fake = fakeTarget();
    const limited = withLimits(fake.target, { concurrency: 1, timeoutMs: 50 });
    const slow = limited.grant(account, role(1));
    const next = limited.grant(account, role(2));
    await assert.rejects(slow, (e: unknown) => {
      assert.ok(e instanceof ConnectorError, 'a ConnectorError');
      assert.equal(e.retryable, true);
      assert.match(e.message, /asked for a grant, did not answer within 50 ms/);
      return true;
    });
    await tick();
    assert.deepEqual(fake.started, ['r1', 'r2'], 'the timed-out call gave its slot to the next');
    fake.pending[1]!.resolve();
    assert.deepEqual(await next, { changed: true });
    // the late answer of the timed-out call is dropped without an unhandled rejection
    fake.pending[0]!.reject(new Error('late failure'));
    await tick();
  });

  it('does not count the time spent waiting in the queue', async () => {
    const fake = fakeTarget();
    const limited = withLimits(fake.target, { concurrency: 1, timeoutMs: 80 });
    const first = limited.grant(account, role(1));
    const second = limited.grant(account, role(2));
    await new Promise((r) => setTimeout(r, 50));
    fake.pending[0]!.resolve();
    await first;
    await new Promise((r) => setTimeout(r, 50));
    fake.pending[1]!.resolve();
    assert.deepEqual(await second, { changed: true }, '100 ms after it was asked, 50 ms after it started');
  });

  it("passes the target's errors and results through unchanged and leaves close and rolesOf alone", async () => {
    const fake = fakeTarget();
    const limited = withLimits(fake.target, { concurrency: 1, timeoutMs: 1000 });
    await assert.rejects(limited.revoke(account, role(1)), (e: unknown) => e instanceof ConnectorError && e.retryable === false && e.message === 'no such group');
    // the failed call released its slot
    assert.deepEqual(await limited.test(), { summary: 'ok' });
    assert.deepEqual(await limited.findAccount({ id: 'u', userPrincipalName: 'u@x', mail: null, mailNickname: null, displayName: 'U', givenName: null, surname: null }), account);
    assert.equal(limited.rolesOf({ originId: 'r', displayName: 'R', description: null, resourceType: null, addable: true })[0]!.originId, 'member');
    assert.equal(limited.createAccount, undefined, 'a target without createAccount stays without it');
    // close is not queued behind a stuck call
    const stuck = limited.grant(account, role(1));
    await limited.close();
    assert.equal(fake.stats().closed, 1);
    fake.pending[0]!.resolve();
    await stuck;
  });

  it('wraps createAccount when the target has it', async () => {
    const fake = fakeTarget();
    fake.target.createAccount = async () => ({ id: 'new', display: 'New' });
    const limited = withLimits(fake.target, { concurrency: 1, timeoutMs: 1000 });
    assert.deepEqual(await limited.createAccount!({ id: 'u', userPrincipalName: 'u@x', mail: null, mailNickname: null, displayName: 'U', givenName: null, surname: null }), { id: 'new', display: 'New' });
  });
});
