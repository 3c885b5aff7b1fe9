import { isoNow } from '../domain/clock.js';
import { parseDuration } from '../domain/duration.js';
import { diffProperties } from '../store/audit.js';
import type { Db, Tx } from '../store/db.js';
import { findSettings, upsertSettings } from '../store/settings.js';
import type { Caller, ServiceDeps } from './deps.js';
import type { EventBus } from './events/index.js';

// Tenant-wide entitlement management settings: what happens to external users whose last
// assignment ends. One row (id 1), created on the first change; until then the reference's defaults apply.

export const EXTERNAL_USER_LIFECYCLE_ACTIONS = ['none', 'blockSignIn', 'blockSignInAndDelete'] as const;
export type ExternalUserLifecycleAction = (typeof EXTERNAL_USER_LIFECYCLE_ACTIONS)[number];

export interface EntitlementManagementSettings {
  externalUserLifecycleAction: ExternalUserLifecycleAction;
  /** ISO-8601 duration; 'PT0S' or 'P0D' deletes at once */
  durationUntilExternalUserDeletedAfterBlocked: string;
  /** null while the defaults have never been changed */
  modifiedAt: string | null;
}

export const DEFAULT_SETTINGS: Readonly<EntitlementManagementSettings> = Object.freeze({
  externalUserLifecycleAction: 'blockSignInAndDelete',
  durationUntilExternalUserDeletedAfterBlocked: 'P30D',
  modifiedAt: null,
});

export interface SettingsPatch {
  externalUserLifecycleAction?: ExternalUserLifecycleAction;
  durationUntilExternalUserDeletedAfterBlocked?: string;
}

const AUDITED = ['externalUserLifecycleAction', 'durationUntilExternalUserDeletedAfterBlocked'] as const;

/** The tenant's settings, the defaults where nobody changed them. */
export async function loadSettings(db: Db | Tx): Promise<EntitlementManagementSettings> {
  const row = await findSettings(db);
  if (!row) return { ...DEFAULT_SETTINGS };
  return {
    externalUserLifecycleAction: row.externalUserLifecycleAction as ExternalUserLifecycleAction,
    durationUntilExternalUserDeletedAfterBlocked: row.durationUntilExternalUserDeletedAfterBlocked,
    modifiedAt: row.modifiedAt,
  };
}

const view = (s: EntitlementManagementSettings) => ({
  externalUserLifecycleAction: s.externalUserLifecycleAction,
  durationUntilExternalUserDeletedAfterBlocked: s.durationUntilExternalUserDeletedAfterBlocked,
});

export function createSettingsService({ db, clock, events }: Pick<ServiceDeps, 'db' | 'clock'> & { events: EventBus }) {
  return {
    /** Reading never writes: a fresh installation answers with the defaults. */
    get: () => loadSettings(db),

    async update(caller: Caller, patch: SettingsPatch): Promise<EntitlementManagementSettings> {
      let duration: string | undefined;
      if (patch.durationUntilExternalUserDeletedAfterBlocked !== undefined) {
        parseDuration(patch.durationUntilExternalUserDeletedAfterBlocked, 'durationUntilExternalUserDeletedAfterBlocked');
        // stored as sent (trimmed, designators upper-cased), so that a client reading back sees its own value
        duration = patch.durationUntilExternalUserDeletedAfterBlocked.trim().toUpperCase();
      }
      const at = isoNow(clock);
      return db.transaction().execute(async (tx) => {
        const current = await loadSettings(tx);
        const next: EntitlementManagementSettings = {
          externalUserLifecycleAction: patch.externalUserLifecycleAction ?? current.externalUserLifecycleAction,
          durationUntilExternalUserDeletedAfterBlocked: duration ?? current.durationUntilExternalUserDeletedAfterBlocked,
          modifiedAt: at,
        };
        const changes = diffProperties(view(current), view(next), AUDITED);
        if (changes.length === 0) return current;
        await upsertSettings(tx, { ...view(next), modifiedAt: at });
        await events.publish(tx, caller, { type: 'settingsUpdated', changes }, { at });
        return next;
      });
    },
  };
}
