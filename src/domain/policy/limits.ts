// What one policy body may hold (checked by validate.ts).

/** Reference limits (§3): subjects named in one policy's "who can request". */
export const MAX_USERS_AND_GROUPS = 500;
export const MAX_CONNECTED_ORGANIZATIONS = 1000;
export const MAX_STAGES = 3;
/** Expiration after N days: the reference's UI range. */
export const MAX_EXPIRATION_DAYS = 3660;
/**
 * Stage decision deadline. The reference UI offers 1–14 days; the API takes any duration. Latchkey
 * accepts PT1H..P90D: shorter deadlines would expire before an email is read, longer ones leave
 * requests open for a quarter.
 */
export const MIN_DECISION_MS = 3600_000;
export const MAX_DECISION_MS = 90 * 24 * 3600_000;
export const MAX_QUESTIONS = 50;
export const MAX_CHOICES = 100;
/** Regex patterns are bounded so that a policy cannot carry an expensive pattern (answers are bounded too). */
export const MAX_REGEX_LENGTH = 200;
export const MAX_TEXT = 1000;
export const MAX_APPROVERS_PER_LIST = 100;
