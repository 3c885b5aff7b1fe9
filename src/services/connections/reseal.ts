import { findConnectionWithSecrets, listConnections, updateConnection } from '../../store/connections.js';
import type { ConnectionDeps } from './deps.js';
import { connectionSecretsContext } from './targets.js';

// After a key rotation (the new key in LATCHKEY_SECRET_KEY, the previous one in LATCHKEY_SECRET_KEY_OLD),
// every connection's secrets are sealed again with the current key, so that the old key can then be
// dropped (`latchkey secrets rotate`). The values do not change, so neither does the connection's
// modifiedDateTime, and running processes keep their clients. A value no known key opens is reported
// and left as it is; the others are resealed all the same.

export interface ResealReport {
  /** id of the current key, the one every value is now sealed with */
  keyId: string;
  resealed: number;
  /** already sealed with the current key */
  unchanged: number;
  failed: { id: string; displayName: string; error: string }[];
}

export async function resealConnectionSecrets(deps: Pick<ConnectionDeps, 'db' | 'secretBox'>): Promise<ResealReport> {
  const report: ResealReport = { keyId: deps.secretBox.keyId, resealed: 0, unchanged: 0, failed: [] };
  for (const { id, displayName } of await listConnections(deps.db)) {
    try {
      // one connection per transaction, re-read inside it: an edit meanwhile is not overwritten with older secrets
      const done = await deps.db.transaction().execute(async (tx) => {
        const row = await findConnectionWithSecrets(tx, id);
        if (!row || !deps.secretBox.needsReseal(row.secrets)) return false;
        await updateConnection(tx, id, { secrets: deps.secretBox.reseal(row.secrets, connectionSecretsContext(id)) });
        return true;
      });
      if (done) report.resealed++;
      else report.unchanged++;
    } catch (e) {
      report.failed.push({ id, displayName, error: (e as Error).message });
    }
  }
  return report;
}
