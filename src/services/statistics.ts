import type { Clock } from '../domain/clock.js';
import type { Db } from '../store/db.js';
import { refreshStatistics } from '../store/statistics.js';
import type { WorkerTasks } from './worker-tasks.js';

// The planner's statistics, kept up to date by the worker (store/statistics.ts says what each store
// does): every table when the worker starts, then each hour the tables that changed much. Bulk writers
// (identity sync, the demo seed) refresh them themselves when they finish.

/** How often the worker refreshes the statistics after its first run. */
export const STATISTICS_EVERY_MS = 60 * 60 * 1000;

export function statisticsTask(deps: { db: Db; clock: Clock }, everyMs = STATISTICS_EVERY_MS): WorkerTasks['periodic'][number] {
  /** the worker's next refresh by its clock; null: none yet, the first tick looks at every table */
  let dueAt: number | null = null;
  return {
    name: 'refreshStatistics',
    async run() {
      const now = deps.clock.now().getTime();
      if (dueAt !== null && now < dueAt) return 0;
      const first = dueAt === null;
      dueAt = now + everyMs;
      await refreshStatistics(deps.db, { allTables: first });
      // maintenance, not work: the worker need not run again at once because of it
      return 0;
    },
  };
}
