import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseDatabaseUrl } from './db.js';
import { SECRET_KEY_BYTES, SecretBoxError } from './secret-box.js';

// Where the key that seals secrets comes from: LATCHKEY_SECRET_KEY (base64 of 32 bytes), else the
// file LATCHKEY_SECRET_KEY_FILE names, else - the embedded default - `secret.key` next to the SQLite
// database (the data folder), generated with mode 0600 on first start and read on every later one.
// PostgreSQL has no data folder of Latchkey's, so there a key must be given. LATCHKEY_SECRET_KEY_OLD
// (comma-separated) holds keys a rotation still opens with.

export const SECRET_KEY_FILE_NAME = 'secret.key';

export interface SecretKeySettings {
  /** base64 of 32 bytes (LATCHKEY_SECRET_KEY) */
  secretKey: string | null;
  /** a file holding the base64 key (LATCHKEY_SECRET_KEY_FILE) */
  secretKeyFile: string | null;
  /** older keys, base64 each (LATCHKEY_SECRET_KEY_OLD) */
  secretKeyOld: string[];
  databaseUrl: string;
}

export interface SecretKeys {
  current: Buffer;
  old: Buffer[];
  /** where the current key came from, for the startup log (never the key) */
  source: string;
}

/** A base64 key decoded, exactly 32 bytes, the error naming where it came from (never its value). */
export function decodeSecretKey(text: string, from: string): Buffer {
  const t = text.trim();
  const key = Buffer.from(t, 'base64');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(t) || key.length !== SECRET_KEY_BYTES) {
    throw new SecretBoxError(`${from} must be ${SECRET_KEY_BYTES} random bytes in base64 (e.g. from: openssl rand -base64 32).`);
  }
  return key;
}

function readKeyFile(path: string, from: string): Buffer {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SecretBoxError(`${from} ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
  return decodeSecretKey(text, `${from} ${path}`);
}

/** The data folder's key file: read when present, else created (0600; a concurrent first start reads the winner's). */
function defaultKey(folder: string): { key: Buffer; source: string } {
  const path = join(folder, SECRET_KEY_FILE_NAME);
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  try {
    const key = randomBytes(SECRET_KEY_BYTES);
    writeFileSync(path, `${key.toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
    chmodSync(path, 0o600); // the umask may have narrowed it further, never widened; be exact
    return { key, source: `generated ${path}` };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { key: readKeyFile(path, 'The secret key file'), source: path };
  }
}

export function loadSecretKeys(settings: SecretKeySettings): SecretKeys {
  const old = settings.secretKeyOld.map((k, i) => decodeSecretKey(k, `LATCHKEY_SECRET_KEY_OLD (key ${i + 1})`));
  if (settings.secretKey && settings.secretKeyFile) throw new SecretBoxError('Set LATCHKEY_SECRET_KEY or LATCHKEY_SECRET_KEY_FILE, not both.');
  if (settings.secretKey) return { current: decodeSecretKey(settings.secretKey, 'LATCHKEY_SECRET_KEY'), old, source: 'LATCHKEY_SECRET_KEY' };
  if (settings.secretKeyFile) return { current: readKeyFile(settings.secretKeyFile, 'LATCHKEY_SECRET_KEY_FILE'), old, source: settings.secretKeyFile };
  const loc = parseDatabaseUrl(settings.databaseUrl);
  if (loc.kind === 'postgres') {
    throw new SecretBoxError('On PostgreSQL set LATCHKEY_SECRET_KEY or LATCHKEY_SECRET_KEY_FILE: the key that encrypts connection secrets is generated only next to an SQLite database.');
  }
  // an in-memory database keeps nothing, so neither does its key
  if (loc.target === ':memory:') return { current: randomBytes(SECRET_KEY_BYTES), old, source: 'generated for an in-memory database' };
  const { key, source } = defaultKey(dirname(loc.target));
  return { current: key, old, source };
}
