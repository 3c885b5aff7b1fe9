import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

// Secrets at rest (bind passwords, bearer tokens, database passwords, signing keys): AES-256-GCM with
// a random 12-byte IV per value. A sealed value names the key that sealed it,
//   v1.<key id>.<iv>.<ciphertext><tag>        (base64url parts)
// so a rotation can keep the old key for opening while everything is resealed with the new one. An
// optional context (e.g. the connection's id) is bound as additional authenticated data: a value
// copied onto another record does not open there. Errors never show the plaintext or the key.

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const SECRET_KEY_BYTES = 32;

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

/** A key's id: the first 8 hex digits of its SHA-256, enough to tell a handful of keys apart, nothing about the key. */
export function secretKeyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

export interface SecretBox {
  /** id of the key new values are sealed with */
  readonly keyId: string;
  seal(plaintext: string, context?: string): string;
  open(sealed: string, context?: string): string;
  /** an object of secrets (its values strings) as one sealed string, and back */
  sealSecrets(secrets: Record<string, string>, context?: string): string;
  openSecrets(sealed: string, context?: string): Record<string, string>;
  /** whether the value was sealed with another key than the current one (so a rotation should reseal it) */
  needsReseal(sealed: string): boolean;
  /** opens with whichever known key sealed it and seals again with the current key */
  reseal(sealed: string, context?: string): string;
}

function aad(context: string | undefined): Buffer {
  return Buffer.from(`latchkey-secret:${VERSION}:${context ?? ''}`, 'utf8');
}

function checkKey(key: Buffer, what: string): void {
  if (key.length !== SECRET_KEY_BYTES) throw new SecretBoxError(`${what} must be ${SECRET_KEY_BYTES} bytes, got ${key.length}.`);
}

/** A box sealing with `current` and opening with it or any of `old` (keys kept for a rotation). */
export function createSecretBox(current: Buffer, old: readonly Buffer[] = []): SecretBox {
  checkKey(current, 'The secret key');
  old.forEach((k, i) => checkKey(k, `Old secret key ${i + 1}`));
  const keyId = secretKeyId(current);
  const keys = new Map<string, Buffer>([[keyId, current]]);
  for (const k of old) if (!keys.has(secretKeyId(k))) keys.set(secretKeyId(k), k);

  const parse = (sealed: string) => {
    const parts = typeof sealed === 'string' ? sealed.split('.') : [];
    if (parts.length !== 4 || parts[0] !== VERSION) throw new SecretBoxError('Not a sealed secret (expected v1.<key id>.<iv>.<data>).');
    const [, kid, ivText, dataText] = parts;
    const iv = Buffer.from(ivText, 'base64url');
    const data = Buffer.from(dataText, 'base64url');
    if (iv.length !== IV_BYTES || data.length < TAG_BYTES) throw new SecretBoxError('A sealed secret is damaged (bad IV or data length).');
    return { kid, iv, data };
  };

  const box: SecretBox = {
    keyId,
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current, iv);
      cipher.setAAD(aad(context));
      const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return [VERSION, keyId, iv.toString('base64url'), data.toString('base64url')].join('.');
    },
    open(sealed, context) {
      const { kid, iv, data } = parse(sealed);
      const key = keys.get(kid);
      if (!key) {
        throw new SecretBoxError(`A secret was sealed with key ${kid}, which is neither the current key (${keyId}) nor one of the old keys (LATCHKEY_SECRET_KEY_OLD).`);
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv);
        decipher.setAAD(aad(context));
        decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
        return Buffer.concat([decipher.update(data.subarray(0, data.length - TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretBoxError(`A secret sealed with key ${kid} failed authentication: it was altered, or belongs to another record.`);
      }
    },
    sealSecrets(secrets, context) {
      return box.seal(JSON.stringify(secrets), context);
    },
    openSecrets(sealed, context) {
      const text = box.open(sealed, context);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        value = undefined;
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.values(value).some((v) => typeof v !== 'string')) {
        throw new SecretBoxError('A sealed value opened but is not an object of secrets.');
      }
      return value as Record<string, string>;
    },
    needsReseal(sealed) {
      return parse(sealed).kid !== keyId;
    },
    reseal(sealed, context) {
      return box.seal(box.open(sealed, context), context);
    },
  };
  return box;
}

/**
 * A box without a key, for a server started without one where none can be generated (PostgreSQL without
 * LATCHKEY_SECRET_KEY): everything else works, and whatever needs a secret fails with `reason`.
 */
export function unavailableSecretBox(reason: string): SecretBox {
  const refuse = (): never => {
    throw new SecretBoxError(reason);
  };
  return { keyId: 'none', seal: refuse, open: refuse, sealSecrets: refuse, openSecrets: refuse, needsReseal: refuse, reseal: refuse };
}
