// The one wording of Graph status and state values, for both portals: "PartiallyDelivered" and
// "partiallyDelivered" both read "Partially delivered".

// where splitting the value into words would not tell a person what is going on
const WORDS: Record<string, string> = {
  // a request's status while it is in the submitted state
  Accepted: 'Submitted',
  // waiting for the start date the requestor or administrator chose
  PendingNotBefore: 'Scheduled',
  PendingApprovalEscalated: 'Pending approval (forwarded)',
};

export function statusText(status: string): string;
export function statusText(status: string | null | undefined): string | null;
export function statusText(status: string | null | undefined): string | null {
  if (!status) return null;
  if (WORDS[status]) return WORDS[status];
  const words = status.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
