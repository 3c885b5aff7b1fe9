import { ValidationError } from '../../domain/errors.js';
import type { ConnectorRole, ResourceDescriptor } from '../../connectors/types.js';
import type { ConnectionDeps } from './deps.js';
import { withSecretBox } from './view.js';
import { targetFailure } from './add-resource.js';

// Browsing a connection's groups and roles, for the administrator choosing what to add to a catalog:
// each with the roles it would offer there.

export interface BrowsedResource extends ResourceDescriptor {
  roles: ConnectorRole[];
}

export const DEFAULT_BROWSE_TOP = 50;
export const MAX_BROWSE_TOP = 200;

export async function searchConnectionResources(deps: ConnectionDeps, id: string, search: string, top: number = DEFAULT_BROWSE_TOP): Promise<BrowsedResource[]> {
  if (!Number.isInteger(top) || top < 1 || top > MAX_BROWSE_TOP) throw new ValidationError(`'top' must be a whole number from 1 to ${MAX_BROWSE_TOP}.`, 'top');
  try {
    return await withSecretBox(() => deps.connectionTargets.call(id, async ({ target }) => {
      const found = await target.searchResources(search.trim(), top);
      return found.map((r) => ({ ...r, roles: target.rolesOf(r) }));
    }));
  } catch (e) {
    throw targetFailure(e, 'search');
  }
}
