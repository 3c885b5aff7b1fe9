import { ConflictError } from '../../domain/errors.js';
import { requestKind } from '../../domain/request-lifecycle.js';
import type { Tx } from '../../store/db.js';
import type { Caller } from '../deps.js';
import type { LifecycleDeps, RequestRow } from './common.js';
import type { SubmitInput } from './requests.js';
import { submitAdd } from './submit-add.js';
import { submitRemove } from './submit-remove.js';
import { submitUpdate } from './submit-update.js';
import { findRequestByIdempotencyKey } from '../../store/requests.js';

// The only door: every request is checked here before anything is stored (submit), or checked and rolled
// back (validate, Graph's isValidationOnly).

/** Thrown to roll back a validation-only submission after every check has passed. */
class ValidationOnlyRollback extends Error {
  constructor(readonly row: RequestRow) {
    super('validation only');
  }
}

const submitIn = (tx: Tx, deps: Pick<LifecycleDeps, 'clock' | 'events'>, caller: Caller, input: SubmitInput): Promise<RequestRow> => {
  const kind = requestKind(input.requestType);
  return kind === 'add' ? submitAdd(tx, deps, caller, input) : kind === 'update' ? submitUpdate(tx, deps, caller, input) : submitRemove(tx, deps, caller, input);
};

/** isValidationOnly: every check of a real submission runs, then the transaction is rolled back. */
export async function validate(deps: Pick<LifecycleDeps, 'db' | 'clock' | 'events'>, caller: Caller, input: SubmitInput): Promise<RequestRow> {
  try {
    await deps.events.transaction(async (tx) => {
      throw new ValidationOnlyRollback(await submitIn(tx, deps, caller, { ...input, idempotencyKey: null }));
    });
  } catch (e) {
    if (e instanceof ValidationOnlyRollback) return e.row;
    throw e;
  }
  throw new Error('unreachable: a validation-only submission always rolls back');
}

/** Validates and stores a request, then carries it as far as it can go at once (approval, delivery, removal). */
export async function submit(deps: Pick<LifecycleDeps, 'db' | 'clock' | 'events'>, caller: Caller, input: SubmitInput): Promise<RequestRow> {
  if (input.idempotencyKey) {
    const seen = await findRequestByIdempotencyKey(deps.db, input.idempotencyKey);
    if (seen) {
      if (seen.requestorId !== caller.principal.userId) throw new ConflictError('This idempotency key belongs to another request.', 'DuplicateRequest');
      return seen;
    }
  }
  let r: RequestRow;
  try {
    r = await deps.events.transaction((tx) => submitIn(tx, deps, caller, input));
  } catch (e) {
    // a twin carrying the same key was stored while this one was being checked: answer with it
    if (input.idempotencyKey && e instanceof ConflictError) {
      const seen = await findRequestByIdempotencyKey(deps.db, input.idempotencyKey);
      if (seen && seen.requestorId === caller.principal.userId) return seen;
    }
    throw e;
  }
  return r;
}
