// The directory: users and groups, the subjects and resources everything else refers to.
// Pure rules only (no I/O): enums, input checks, reference parsing and the manager-cycle rule.

import { DomainError, ValidationError } from './errors.js';
import { isGuid } from './ids.js';

export const USER_TYPES = ['Member', 'Guest'] as const;
export type UserType = (typeof USER_TYPES)[number];

export const DISPLAY_NAME_MAX = 256;
export const UPN_MAX = 256;
export const MAIL_MAX = 256;
export const MAIL_NICKNAME_MAX = 64;
export const TEXT_MAX = 256;
export const GROUP_DESCRIPTION_MAX = 1024;

/** How many members `$expand=members` returns per group; the full list is at /groups/{id}/members. */
export const EXPANDED_MEMBERS_CAP = 100;

/** Graph's error code for a directory object (or a reference such as manager) that does not exist. */
export class DirectoryNotFoundError extends DomainError {
  readonly status = 404;
  constructor(message: string) {
    super('Request_ResourceNotFound', message);
  }
}

export function directoryObjectNotFound(id: string): DirectoryNotFoundError {
  return new DirectoryNotFoundError(`Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
}

const ADDRESS = /^[^\s@]+@[^\s@]+$/;

/** A sign-in name must look like name@domain; it is what people type and what the identity provider asserts. */
export function checkUserPrincipalName(upn: string): string {
  const v = upn.trim();
  if (!ADDRESS.test(v)) throw new ValidationError(`'${upn}' is not a valid userPrincipalName: use the form name@domain.`, 'userPrincipalName');
  return v;
}

export function checkMail(mail: string | null | undefined): string | null | undefined {
  if (mail === undefined || mail === null) return mail;
  const v = mail.trim();
  if (!ADDRESS.test(v)) throw new ValidationError(`'${mail}' is not a valid mail address: use the form name@domain.`, 'mail');
  return v;
}

// Graph refuses these characters in mailNickname (it becomes the local part of an address).
const NICKNAME_FORBIDDEN = /[@()\\[\]";:<>,\s]/;

export function checkMailNickname(nick: string | null | undefined): string | null | undefined {
  if (nick === undefined || nick === null) return nick;
  if (nick.length === 0 || NICKNAME_FORBIDDEN.test(nick) || !/^[\x21-\x7e]+$/.test(nick)) {
    throw new ValidationError(`'${nick}' is not a valid mailNickname: use ASCII letters, digits and punctuation other than @ ( ) \\ [ ] " ; : < > , and no spaces.`, 'mailNickname');
  }
  return nick;
}

/** The mailNickname used when a client leaves it out: the input made safe, else a fixed fallback. */
export function deriveMailNickname(source: string, fallback: string): string {
  const cleaned = source
    .normalize('NFKD')
    .replace(/[^\x21-\x7e]/g, '')
    .replace(/[@()\\[\]";:<>,]/g, '')
    .slice(0, MAIL_NICKNAME_MAX);
  return cleaned.length > 0 ? cleaned : fallback;
}

export type DirectoryRefKind = 'users' | 'groups' | 'directoryObjects';

export interface DirectoryRef {
  kind: DirectoryRefKind;
  id: string;
}

const REF = /\/(users|groups|directoryObjects)(?:\/|\(')([^/'()?#]+)(?:'\))?\/?(?:[?#].*)?$/i;

/**
 * Reads the object a `{"@odata.id": "…"}` reference points at. Any base URL is accepted (clients copy
 * graph.microsoft.com URLs); what matters is the segment after /users/, /groups/ or /directoryObjects/.
 */
export function parseDirectoryRef(odataId: string, field = '@odata.id'): DirectoryRef {
  const m = REF.exec(odataId.trim());
  const id = m?.[2];
  if (!m || !isGuid(id)) {
    throw new ValidationError(
      `'${odataId}' is not a directory object reference: use https://graph.microsoft.com/v1.0/directoryObjects/{id} (or /users/{id}, /groups/{id}).`,
      field,
    );
  }
  const kind = m[1].toLowerCase() === 'users' ? 'users' : m[1].toLowerCase() === 'groups' ? 'groups' : 'directoryObjects';
  return { kind, id: id.toLowerCase() };
}

/**
 * Setting `managerId` as the manager of `userId` closes a loop when `userId` already appears in the
 * chain of managers above `managerId` (or is `managerId` itself). `chainAboveManager` lists that chain.
 */
export function checkManagerAssignment(userId: string, managerId: string, chainAboveManager: readonly string[]): void {
  if (userId.toLowerCase() === managerId.toLowerCase()) throw new ValidationError('A user cannot be their own manager.', 'manager');
  if (chainAboveManager.some((id) => id.toLowerCase() === userId.toLowerCase())) {
    throw new ValidationError('This manager would create a cycle: the user already manages them, directly or through others.', 'manager');
  }
}

/** True when the path segment names the caller: Graph lets /users/{id} take the object id or the sign-in name. */
export function isSelfReference(idOrUpn: string, self: { userId: string; userPrincipalName: string }): boolean {
  const v = idOrUpn.toLowerCase();
  return v === self.userId.toLowerCase() || v === self.userPrincipalName.toLowerCase();
}
