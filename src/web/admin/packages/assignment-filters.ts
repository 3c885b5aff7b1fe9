import { odataString } from '../../api/client';
import { openRequestFilter } from '../../api/request-states';

// Assignment state filter of the Assignments tab: the API's assignment states (src/domain/request-lifecycle.ts
// ASSIGNMENT_STATES), plus "active" for every state that gives or is about to give access.

export const ASSIGNMENT_STATE_CHOICES = [
  { value: 'active', label: 'Active (all but expired)' },
  { value: 'delivered', label: 'Delivered' },
  { value: 'partiallyDelivered', label: 'Partially delivered' },
  { value: 'delivering', label: 'Delivering' },
  { value: 'deliveryFailed', label: 'Delivery failed' },
  { value: 'expired', label: 'Expired' },
  // not an assignment state: a direct assignment (or approved request) that starts later is a scheduled
  // request until then, with no assignment yet; the tab lists those requests under this choice
  { value: 'scheduled', label: 'Scheduled (starts later)' },
  { value: '', label: 'All' },
] as const;

/** Whether the Assignments tab shows scheduled requests (alone, or above the assignments of "Active" and "All"). */
export const showsScheduled = (state: string) => state === 'scheduled' || state === 'active' || state === '';

/** The $filter for a package's requests that become assignments later. */
export function scheduledFilter(packageId: string): string {
  return `accessPackage/id eq ${odataString(packageId)} and state eq 'scheduled'`;
}

const ACTIVE = ['delivering', 'partiallyDelivered', 'delivered', 'deliveryFailed'];

/** The $filter for a package's assignments in a state; the same string narrows the CSV download. */
export function assignmentFilter(packageId: string, state: string): string {
  const parts = [`accessPackage/id eq ${odataString(packageId)}`];
  if (state === 'active') parts.push(`state in (${ACTIVE.map(odataString).join(',')})`);
  else if (state) parts.push(`state eq ${odataString(state)}`);
  return parts.join(' and ');
}

export const REQUEST_STATE_CHOICES = [
  { value: '', label: 'All' },
  { value: 'open', label: 'Open (not completed)' },
  { value: 'pendingApproval', label: 'Pending approval' },
  { value: 'scheduled', label: 'Scheduled' },
  { value: 'delivering', label: 'Delivering' },
  { value: 'delivered', label: 'Delivered' },
  { value: 'partiallyDelivered', label: 'Partially delivered' },
  { value: 'deliveryFailed', label: 'Delivery failed' },
  { value: 'denied', label: 'Denied' },
  { value: 'canceled', label: 'Canceled' },
] as const;

export function requestFilter(packageId: string, state: string): string {
  const parts = [`accessPackage/id eq ${odataString(packageId)}`];
  if (state === 'open') parts.push(openRequestFilter());
  else if (state) parts.push(`state eq ${odataString(state)}`);
  return parts.join(' and ');
}

export const REQUEST_TYPE_TEXT: Record<string, string> = {
  userAdd: 'Request', userUpdate: 'Extension', userRemove: 'Removal by user', adminAdd: 'Direct assignment', adminUpdate: 'Update by administrator',
  adminRemove: 'Removal by administrator', systemAdd: 'Automatic', systemUpdate: 'Automatic update', systemRemove: 'Expiry or automatic removal',
};
