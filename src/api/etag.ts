import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PreconditionFailedError } from '../domain/errors.js';

// An entity's ETag is a hash of its Graph representation, so it changes whenever anything a client
// can see changes, with no version column to maintain.

export function etagOf(obj: unknown): string {
  return `W/"${createHash('sha256').update(JSON.stringify(obj)).digest('base64url').slice(0, 22)}"`;
}

export function setEtag(reply: FastifyReply, obj: unknown): void {
  reply.header('ETag', etagOf(obj));
}

/** Throws 412 when the request carries If-Match and it names neither * nor the current version. */
export function checkIfMatch(req: FastifyRequest, current: unknown): void {
  const header = req.headers['if-match'];
  if (!header) return;
  const wanted = String(header).split(',').map((s) => s.trim());
  if (wanted.includes('*')) return;
  const tag = etagOf(current);
  const strip = (t: string) => t.replace(/^W\//, '');
  if (!wanted.some((w) => strip(w) === strip(tag))) throw new PreconditionFailedError();
}
