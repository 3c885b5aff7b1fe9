import type { Clock } from '../../../domain/clock.js';
import type { Db } from '../../../store/db.js';
import type { SecretBox } from '../../../store/secret-box.js';
import type { EventBus } from '../../events/index.js';

/** What directory sync's use cases depend on. */
export interface IdentitySyncDeps {
  db: Db;
  clock: Clock;
  events: EventBus;
  /** opens the LDAP connection's secrets (its bind password) for the directory reader */
  secretBox: SecretBox;
  /** told of every run's outcome (metrics, tests) */
  observer?: (run: { mode: string; outcome: 'succeeded' | 'failed'; seconds: number }) => void;
}

/** The worker job that does one run; its payload is `{ runId }`. */
export const JOB_IDENTITY_SYNC = 'identitySync';
