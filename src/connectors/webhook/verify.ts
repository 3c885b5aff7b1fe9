import { Webhook } from 'standardwebhooks';

// Messages from the receiver to Latchkey (its confirmations of deliveries it accepted for later) are
// signed as Latchkey's own are: Standard Webhooks, the connection's signing secret, webhook-id,
// webhook-timestamp (checked against a five-minute tolerance, so an old message cannot be replayed
// later) and webhook-signature over `id.timestamp.body`. The body is verified as received, byte for byte.

export interface SignatureHeaders {
  'webhook-id'?: string;
  'webhook-timestamp'?: string;
  'webhook-signature'?: string;
}

/** The verified JSON body, or undefined when the signature (or its timestamp) does not verify. */
export function verifyReceiverMessage(signingSecret: string, rawBody: string, headers: SignatureHeaders): unknown {
  try {
    return new Webhook(signingSecret).verify(rawBody, {
      'webhook-id': headers['webhook-id'] ?? '',
      'webhook-timestamp': headers['webhook-timestamp'] ?? '',
      'webhook-signature': headers['webhook-signature'] ?? '',
    });
  } catch {
    return undefined;
  }
}
