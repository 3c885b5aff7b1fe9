import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { buildApp, type App } from '../../src/api/app.js';
import { ManualClock } from '../../src/domain/clock.js';
import { DEMO_DOMAIN, isDemoCompany, seedDemo } from '../../src/demo/seed.js';
import { openStore, type Store } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import * as m0007 from '../../src/store/migrations/0007_demo_marker.js';
import { newUserRow } from '../../src/store/users.js';
import { scratchDatabase, type ScratchDatabase } from '../support/stores.js';

// The demo company's marker, the condition for demo sign-in: seedDemo leaves it (with the demo people,
// in one transaction), a directory of real people never gets it, and demo databases seeded before the
// marker existed get it from the migration.

describe('the demo company marker', () => {
  let open: { scratch: ScratchDatabase; store: Store; app: App }[] = [];
  afterEach(async () => {
    for (const o of open) {
      await o.app.server.close();
      await o.store.close();
      await o.scratch.drop();
    }
    open = [];
  });

  async function fresh() {
    const scratch = await scratchDatabase();
    const store = openStore(scratch.url);
    await migrateToLatest(store.db);
    const clock = new ManualClock(new Date());
    const app = await buildApp({ store, clock, logger: false, webRoot: false, config: { bodyLimit: 1 << 20, rateLimitPerMinute: 0, logLevel: 'silent' } });
    await app.services.catalogs.ensureGeneral();
    open.push({ scratch, store, app });
    return { store, app, clock };
  }
  const addPerson = (store: Store, upn: string) =>
    store.db.insertInto('users').values(newUserRow({ displayName: upn, userPrincipalName: upn, mail: upn }, new Date().toISOString())).execute();
  /** undoes migration 0007 and applies it again, as on a database that predates it */
  async function remigrate(store: Store) {
    await m0007.down(store.db);
    await store.db.deleteFrom('kysely_migration' as never).where('name' as never, '=', '0007_demo_marker' as never).execute();
    const report = await migrateToLatest(store.db);
    assert.deepEqual(report.applied, ['0007_demo_marker']);
  }

  it('is left by seedDemo on an empty database, with the demo domain', async () => {
    const { store, app, clock } = await fresh();
    assert.equal(await isDemoCompany(store.db), false, 'an empty database is not the demo company yet');
    assert.ok(await seedDemo(app.services, store.db, clock), 'seeded');
    assert.equal(await isDemoCompany(store.db), true);
    assert.deepEqual(await store.db.selectFrom('demoMarkers').selectAll().execute(), [{ domain: DEMO_DOMAIN, seededAt: clock.now().toISOString() }]);
    // a second seed (a restart with --demo) finds data and leaves everything as it was
    assert.equal(await seedDemo(app.services, store.db, clock), undefined);
    assert.equal((await store.db.selectFrom('demoMarkers').selectAll().execute()).length, 1);
  });

  it('is never left on a database that already has people: seedDemo skips it', async () => {
    const { store, app, clock } = await fresh();
    await addPerson(store, 'boss@corp.test');
    assert.equal(await seedDemo(app.services, store.db, clock), undefined, 'nothing seeded');
    assert.equal(await isDemoCompany(store.db), false);
    assert.deepEqual((await store.db.selectFrom('users').select('upnKey').execute()).map((u) => u.upnKey), ['boss@corp.test'], 'no demo people added');
  });

  it('is not left when seeding fails half-way: the demo people and the marker come and go together', async () => {
    const { store, app, clock } = await fresh();
    // a clash inside the seed's transaction (a group nickname the seed also uses) makes it roll back
    await store.db.insertInto('demoMarkers').values({ domain: 'other.example', seededAt: clock.now().toISOString() }).execute();
    await store.db.schema.createIndex('fail_seed_groups_idx').on('groups').column('mail_nickname').unique().execute();
    await store.db.insertInto('groups').values({
      id: 'clash', displayName: 'x', description: null, mail: null, mailNickname: 'engineering', mailEnabled: 0, securityEnabled: 1,
      createdAt: clock.now().toISOString(), modifiedAt: clock.now().toISOString(),
    }).execute();
    await assert.rejects(seedDemo(app.services, store.db, clock), 'the seed fails on the clash');
    assert.equal(await isDemoCompany(store.db), false, 'no marker for the demo domain (another domain\'s marker does not count either)');
    assert.equal((await store.db.selectFrom('users').select('id').execute()).length, 0, 'no demo people either');
  });

  it('is backfilled by the migration for demo databases seeded before it, and only for them', async () => {
    const demo = await fresh();
    assert.ok(await seedDemo(demo.app.services, demo.store.db, demo.clock), 'seeded');
    await remigrate(demo.store);
    assert.equal(await isDemoCompany(demo.store.db), true, 'the seed\'s audit event marks the old demo database');

    const real = await fresh();
    await addPerson(real.store, 'boss@corp.test');
    await remigrate(real.store);
    assert.equal(await isDemoCompany(real.store.db), false, 'a directory of real people gets no marker');
  });
});
