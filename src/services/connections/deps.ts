import type { Clock } from '../../domain/clock.js';
import type { Db } from '../../store/db.js';
import type { SecretBox } from '../../store/secret-box.js';
import type { EventBus } from '../events/index.js';
import type { ConnectionTargets } from './targets.js';

/** What the connection use cases depend on. */
export interface ConnectionDeps {
  db: Db;
  clock: Clock;
  events: EventBus;
  secretBox: SecretBox;
  connectionTargets: ConnectionTargets;
}
