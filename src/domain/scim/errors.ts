import { DomainError } from '../errors.js';

// SCIM's own error detail (RFC 7644 §3.12): a status and, for 400s and 409s, a scimType the identity
// provider acts on (uniqueness: the object exists, look it up instead; invalidFilter; noTarget …).
// The API answers these, and every other DomainError, in the SCIM error shape under /scim/v2.

export type ScimType =
  | 'invalidFilter' | 'tooMany' | 'uniqueness' | 'mutability' | 'invalidSyntax' | 'invalidPath' | 'noTarget' | 'invalidValue' | 'invalidVers' | 'sensitive';

export class ScimError extends DomainError {
  readonly status: number;
  readonly scimType?: ScimType;
  constructor(status: number, message: string, scimType?: ScimType, target?: string) {
    super(scimType ?? 'scimError', message, target);
    this.status = status;
    this.scimType = scimType;
  }
}

export const invalidValue = (message: string, attribute?: string) => new ScimError(400, message, 'invalidValue', attribute);
export const invalidFilter = (message: string) => new ScimError(400, message, 'invalidFilter');
export const invalidPath = (message: string) => new ScimError(400, message, 'invalidPath');
export const noTarget = (message: string) => new ScimError(400, message, 'noTarget');
export const uniqueness = (message: string) => new ScimError(409, message, 'uniqueness');
export const scimNotFound = (resourceType: string, id: string) => new ScimError(404, `${resourceType} '${id}' not found.`);
