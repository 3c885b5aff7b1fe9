import { odataString } from './client';

// How both portals group request states. The server's rules are in src/domain/request-lifecycle.ts
// (OPEN_REQUEST_STATES, and the states with a cancel transition); these lists must say the same.

/** Not completed yet: the request may still give access (or be refused). */
export const OPEN_REQUEST_STATES: readonly string[] = ['submitted', 'pendingApproval', 'scheduled', 'delivering'];

/** Open and not yet delivering: the requestor or an administrator can still cancel it. */
export const CANCELLABLE_REQUEST_STATES: readonly string[] = OPEN_REQUEST_STATES.filter((s) => s !== 'delivering');

export const isCancellableRequest = (state: string): boolean => CANCELLABLE_REQUEST_STATES.includes(state);

/** The $filter clause that keeps open requests. */
export function openRequestFilter(): string {
  return `state in (${OPEN_REQUEST_STATES.map(odataString).join(',')})`;
}
