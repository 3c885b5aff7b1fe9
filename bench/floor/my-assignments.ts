import type { FloorDb } from './db.js';
import { EM, PAGE_SIZE, callerOf, page, type FloorRoutes } from './route.js';

// Floor of assignments/filterByCurrentUser(on='target'): authenticate, walk the caller's groups (every
// authenticated request does, so the floor too), then the caller's assignments in the default order (start
// date, id), one page of 100. Left out: OData parsing, the role read, Latchkey's read-rule clause (its own
// assignments are readable by definition) and its join with access_packages (the answer shows no package
// field), and Latchkey's `select *` (the floor reads the columns it shows).

export interface AssignmentRow {
  id: string;
  state: string;
  status: string;
  expired_at: string | null;
  start_at: string | null;
  created_at: string;
  end_at: string | null;
}

export const ASSIGNMENT_COLUMNS = 'a.id, a.state, a.status, a.expired_at, a.start_at, a.created_at, a.end_at';

/** The Graph form of an assignment, as assignmentToGraph writes it. */
export function assignmentToGraph(a: AssignmentRow): unknown {
  return {
    id: a.id, state: a.state, status: a.status, expiredDateTime: a.expired_at,
    schedule: {
      startDateTime: a.start_at ?? a.created_at,
      expiration: a.end_at === null ? { type: 'noExpiration', endDateTime: null, duration: null } : { type: 'afterDateTime', endDateTime: a.end_at, duration: null },
      recurrence: null,
    },
    customExtensionCalloutInstances: [],
  };
}

export const assignmentPage = (db: FloorDb, where: string, params: unknown[], top: number, skip: number) =>
  db.all<AssignmentRow>(`select ${ASSIGNMENT_COLUMNS} from assignments a where ${where} order by a.start_at, a.id limit ? offset ?`, [...params, top + 1, skip]);

export const myAssignments: FloorRoutes = (app, db) => {
  app.get(`${EM}/assignments/filterByCurrentUser(on='target')`, async (req, reply) => {
    const caller = await callerOf(db, req, reply);
    if (!caller) return reply;
    const rows = await assignmentPage(db, 'a.target_id = ?', [caller.userId], PAGE_SIZE, 0);
    return page(rows, PAGE_SIZE, PAGE_SIZE, req.url, assignmentToGraph);
  });
};
