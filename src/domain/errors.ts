// Typed errors raised by domain rules and services. The API maps them to HTTP statuses and the Graph
// error body in one place (src/api/errors.ts); nothing below the API knows about HTTP.

export abstract class DomainError extends Error {
  abstract readonly status: number;
  /** Graph-style error code, e.g. "BadRequest" or "InvalidDeleteResourceHasEntitlements" */
  readonly code: string;
  /** the request field the error is about, when there is one */
  readonly target?: string;
  constructor(code: string, message: string, target?: string) {
    super(message);
    this.code = code;
    this.target = target;
  }
}

export class ValidationError extends DomainError {
  readonly status = 400;
  constructor(message: string, target?: string, code = 'BadRequest') {
    super(code, message, target);
  }
}

export class UnauthenticatedError extends DomainError {
  readonly status = 401;
  constructor(message = 'Access token is missing, invalid or revoked.') {
    super('InvalidAuthenticationToken', message);
  }
}

export class ForbiddenError extends DomainError {
  readonly status = 403;
  constructor(message = 'Insufficient privileges to complete the operation.') {
    super('Authorization_RequestDenied', message);
  }
}

export class NotFoundError extends DomainError {
  readonly status = 404;
  constructor(what: string, id: string) {
    super('ResourceNotFound', `${what} '${id}' was not found.`);
  }
}

export class ConflictError extends DomainError {
  readonly status = 409;
  constructor(message: string, code = 'Conflict') {
    super(code, message);
  }
}

export class PreconditionFailedError extends DomainError {
  readonly status = 412;
  constructor(message = 'The If-Match header does not match the current version of the resource.') {
    super('PreconditionFailed', message);
  }
}

/** Something the server needs is not set up (e.g. the key connection secrets are sealed with): not the caller's fault. */
export class ServiceUnavailableError extends DomainError {
  readonly status = 503;
  constructor(message: string) {
    super('ServiceUnavailable', message);
  }
}
