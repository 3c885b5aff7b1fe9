import Fastify from 'fastify';

// The HTTP ceiling: the same framework as Latchkey with one trivial JSON route and nothing else
// (no auth, no database, logging off, as Latchkey runs under the bench).
const app = Fastify({ logger: false });
app.get('/ping', async () => ({ status: 'ok' }));
const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stderr.write(`listening on ${address}\n`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
