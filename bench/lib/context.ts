import type { Store, StoreKind } from '../../src/store/db.js';
import type { Ceilings } from '../ceilings.js';
import type { ResultRow } from '../report.js';
import type { Manifest } from '../seed.js';

export const EM = '/v1.0/identityGovernance/entitlementManagement';

/** What every scenario gets. */
export interface BenchContext {
  kind: StoreKind;
  url: string;
  scale: string;
  manifest: Manifest;
  /** node arguments that run the CLI (built or from source) */
  cli: string[];
  connections: number;
  /** how long each timed read run lasts, ms */
  readMs: number;
  /** a store of its own for setup and checks (never the server's) */
  store: Store;
  ceilings: Ceilings;
  rows: ResultRow[];
  details: Record<string, unknown>;
  /** the p95s of a small-scale run on the same store, to judge flat growth at large scale */
  smallP95?: Record<string, number>;
}
