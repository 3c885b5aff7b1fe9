import { parseJsonOr } from '../../../domain/json.js';
import type { Db } from '../../../store/db.js';
import type { IdentitySourceRow } from '../../../store/identity-sources.js';
import { countOwnedBySource, listSyncRuns, type SyncRunRow } from '../../../store/identity-sync.js';
import { listProvisioningTokens, type ProvisioningTokenListing } from '../../../store/provisioning-tokens.js';

// An identity source as the API shows it: its settings (never a secret: an LDAP source's bind password
// is its connection's), its schedule, how many users and groups it owns, its latest run, and a SCIM
// source's provisioning tokens (their names and use, never a token or its hash).

export interface IdentitySourceView {
  source: IdentitySourceRow;
  settings: Record<string, unknown>;
  owned: { users: number; groups: number };
  lastRun: SyncRunRow | null;
  tokens: ProvisioningTokenListing[];
}

export async function identitySourceView(db: Db, source: IdentitySourceRow): Promise<IdentitySourceView> {
  return {
    source,
    settings: parseJsonOr<Record<string, unknown>>(source.settings, {}),
    owned: await countOwnedBySource(db, source.id),
    lastRun: (await listSyncRuns(db, source.id, 1))[0] ?? null,
    tokens: source.kind === 'scim' ? await listProvisioningTokens(db, source.id) : [],
  };
}
