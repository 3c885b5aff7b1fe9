import Fastify from 'fastify';
import { parseArgs } from 'node:util';
import { adminPagedList } from './admin-paged-list.js';
import { allowedRequestor } from './allowed-requestor.js';
import { approval } from './approval.js';
import { approverInbox } from './approver-inbox.js';
import { openFloorDb } from './db.js';
import { expiry } from './expiry.js';
import { myAssignments } from './my-assignments.js';
import { submit } from './submit.js';

// The floor: a bare Fastify server (logging off, as Latchkey runs under the bench) in its own process, on the
// bench database through the store's driver, one module per scenario doing by hand the minimal SQL of the
// operation. The bench measures its CPU per operation the way it measures Latchkey's. Run by bench/floor/run.ts:
//   node --import tsx bench/floor/server.ts --db <url>

const { values } = parseArgs({ options: { db: { type: 'string' } } });
if (!values.db) throw new Error('--db <url> is required');
const db = openFloorDb(values.db);
const app = Fastify({ logger: false });
for (const routes of [allowedRequestor, myAssignments, approverInbox, adminPagedList, submit, approval, expiry]) routes(app, db);
const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stderr.write(`listening on ${address}\n`);
process.once('SIGTERM', () => void app.close().then(() => db.close()).then(() => process.exit(0)));
