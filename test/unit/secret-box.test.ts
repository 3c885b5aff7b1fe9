import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { createSecretBox, secretKeyId, SecretBoxError } from '../../src/store/secret-box.js';
import { loadSecretKeys, SECRET_KEY_FILE_NAME } from '../../src/store/secret-key.js';

const PLAIN = 'hunter2-bind-password';

function flip(sealed: string, part: number): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[part], 'base64url');
  bytes[0] ^= 1;
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}

const noPlaintext = (e: unknown) => {
  assert.ok(e instanceof SecretBoxError, String(e));
  assert.ok(!e.message.includes(PLAIN), 'the message never shows the plaintext');
  return true;
};

describe('secret box (AES-256-GCM)', () => {
  const key = randomBytes(32);
  const box = createSecretBox(key);

  it('seals with a fresh IV each time and opens again', () => {
    const a = box.seal(PLAIN);
    const b = box.seal(PLAIN);
    assert.notEqual(a, b);
    assert.ok(!a.includes(PLAIN));
    assert.match(a, new RegExp(`^v1\\.${secretKeyId(key)}\\.`));
    assert.equal(Buffer.from(a.split('.')[2], 'base64url').length, 12);
    assert.equal(box.open(a), PLAIN);
    assert.equal(box.open(b), PLAIN);
    assert.equal(box.open(box.seal('')), '');
    assert.equal(box.open(box.seal('ünïcødé ✓')), 'ünïcødé ✓');
  });

  it('seals an object of secrets as one string', () => {
    const sealed = box.sealSecrets({ bearerToken: PLAIN, other: 'x' }, 'connection-1');
    assert.equal(typeof sealed, 'string');
    assert.deepEqual(box.openSecrets(sealed, 'connection-1'), { bearerToken: PLAIN, other: 'x' });
  });

  it('a tampered value fails clearly, without the plaintext', () => {
    const sealed = box.seal(PLAIN);
    assert.throws(() => box.open(flip(sealed, 3)), (e) => noPlaintext(e) && /failed authentication/.test((e as Error).message));
    assert.throws(() => box.open(flip(sealed, 2)), /failed authentication/);
    assert.throws(() => box.open(sealed.slice(0, -4)), noPlaintext);
    assert.throws(() => box.open('not sealed'), /Not a sealed secret/);
    assert.throws(() => box.open(sealed.replace(/^v1/, 'v9')), /Not a sealed secret/);
  });

  it('a value bound to one context does not open in another', () => {
    const sealed = box.sealSecrets({ bearerToken: PLAIN }, 'connection-1');
    assert.throws(() => box.openSecrets(sealed, 'connection-2'), (e) => noPlaintext(e) && /another record/.test((e as Error).message));
    assert.throws(() => box.openSecrets(sealed), noPlaintext);
  });

  it('a wrong key fails, naming the key ids and not the plaintext', () => {
    const other = createSecretBox(randomBytes(32));
    const sealed = box.seal(PLAIN);
    assert.throws(
      () => other.open(sealed),
      (e) => noPlaintext(e) && (e as Error).message.includes(secretKeyId(key)) && (e as Error).message.includes(other.keyId),
    );
    // same key id, different key (forged id): authentication fails
    const forged = sealed.replace(`.${box.keyId}.`, `.${other.keyId}.`);
    assert.throws(() => other.open(forged), /failed authentication/);
  });

  it('rotation: the new key opens old values with the old key kept, and reseals them', () => {
    const oldKey = key;
    const newKey = randomBytes(32);
    const sealedOld = box.sealSecrets({ bearerToken: PLAIN }, 'c');
    const rotated = createSecretBox(newKey, [oldKey]);
    assert.equal(rotated.needsReseal(sealedOld), true);
    assert.deepEqual(rotated.openSecrets(sealedOld, 'c'), { bearerToken: PLAIN });
    const resealed = rotated.reseal(sealedOld, 'c');
    assert.equal(rotated.needsReseal(resealed), false);
    assert.match(resealed, new RegExp(`^v1\\.${secretKeyId(newKey)}\\.`));
    // once everything is resealed the old key can go
    const newOnly = createSecretBox(newKey);
    assert.deepEqual(newOnly.openSecrets(resealed, 'c'), { bearerToken: PLAIN });
    assert.throws(() => newOnly.open(sealedOld), /neither the current key/);
  });

  it('refuses keys of the wrong length', () => {
    assert.throws(() => createSecretBox(randomBytes(16)), /must be 32 bytes/);
    assert.throws(() => createSecretBox(randomBytes(32), [randomBytes(31)]), /Old secret key 1 must be 32 bytes/);
  });
});

describe('secret key loading', () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-secret-key-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const base = { secretKey: null, secretKeyFile: null, secretKeyOld: [] as string[] };

  it('the embedded default generates secret.key (mode 0600) in the data folder and reuses it on the next start', () => {
    const databaseUrl = `sqlite:${join(dir, 'data', 'latchkey.db')}`;
    const first = loadSecretKeys({ ...base, databaseUrl });
    const file = join(dir, 'data', SECRET_KEY_FILE_NAME);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.match(first.source, /^generated /);
    assert.equal(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64').length, 32);
    const second = loadSecretKeys({ ...base, databaseUrl });
    assert.ok(second.current.equals(first.current), 'the same key on the second start');
    assert.equal(second.source, file);
    // what the first start sealed, the second opens
    const sealed = createSecretBox(first.current).seal(PLAIN);
    assert.equal(createSecretBox(second.current).open(sealed), PLAIN);
  });

  it('LATCHKEY_SECRET_KEY, the key file and the old keys', () => {
    const k = randomBytes(32);
    const old = randomBytes(32);
    const fromEnv = loadSecretKeys({ ...base, secretKey: k.toString('base64'), secretKeyOld: [old.toString('base64')], databaseUrl: 'postgres://x/y' });
    assert.ok(fromEnv.current.equals(k));
    assert.equal(fromEnv.old.length, 1);
    assert.ok(fromEnv.old[0].equals(old));
    const file = join(dir, 'given.key');
    writeFileSync(file, `${k.toString('base64')}\n`);
    assert.ok(loadSecretKeys({ ...base, secretKeyFile: file, databaseUrl: 'postgres://x/y' }).current.equals(k));
  });

  it('bad or missing keys are refused without showing them', () => {
    const bad = Buffer.from('too short').toString('base64');
    assert.throws(() => loadSecretKeys({ ...base, secretKey: bad, databaseUrl: ':memory:' }), (e) => e instanceof SecretBoxError && /LATCHKEY_SECRET_KEY must be 32/.test(e.message) && !e.message.includes(bad));
    assert.throws(() => loadSecretKeys({ ...base, secretKeyOld: ['nope'], databaseUrl: ':memory:' }), /LATCHKEY_SECRET_KEY_OLD \(key 1\)/);
    assert.throws(() => loadSecretKeys({ ...base, secretKeyFile: join(dir, 'missing.key'), databaseUrl: ':memory:' }), /cannot be read \(ENOENT\)/);
    assert.throws(() => loadSecretKeys({ ...base, databaseUrl: 'postgres://x/y' }), /On PostgreSQL set LATCHKEY_SECRET_KEY/);
    const k = randomBytes(32).toString('base64');
    assert.throws(() => loadSecretKeys({ ...base, secretKey: k, secretKeyFile: '/x', databaseUrl: ':memory:' }), /not both/);
    assert.equal(loadSecretKeys({ ...base, databaseUrl: ':memory:' }).current.length, 32);
  });

  it('config reads the variables', () => {
    const c = loadConfig({ LATCHKEY_SECRET_KEY: ' abc ', LATCHKEY_SECRET_KEY_FILE: '/run/secrets/k', LATCHKEY_SECRET_KEY_OLD: 'a, b,,' });
    assert.equal(c.secretKey, 'abc');
    assert.equal(c.secretKeyFile, '/run/secrets/k');
    assert.deepEqual(c.secretKeyOld, ['a', 'b']);
    const d = loadConfig({});
    assert.equal(d.secretKey, null);
    assert.equal(d.secretKeyFile, null);
    assert.deepEqual(d.secretKeyOld, []);
  });
});
