import { randomBytes } from 'node:crypto';

// A Standard Webhooks signing secret: "whsec_" and the key in base64. 32 random bytes, the size of the
// HMAC-SHA256 key the signatures use.

/** A fresh signing secret to give to the receiver and to store, encrypted, on the connection. */
export function generateSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}
