import { NotFoundError } from '../../domain/errors.js';
import type { Caller } from '../deps.js';
import { createConnection, type CreateConnectionInput } from './create.js';
import { deleteConnection } from './delete.js';
import type { ConnectionDeps } from './deps.js';
import { resealConnectionSecrets } from './reseal.js';
import { searchConnectionResources } from './search-resources.js';
import { testConnection } from './test-connection.js';
import { updateConnectionUseCase, type UpdateConnectionInput } from './update.js';
import { listConnectionViews, loadConnectionView, type ConnectionView } from './view.js';

// The connections to target systems (LDAP, SCIM, PostgreSQL, webhooks), one use case per file.

export function createConnectionService(deps: ConnectionDeps) {
  return {
    create: (caller: Caller, input: CreateConnectionInput) => createConnection(deps, caller, input),
    update: (caller: Caller, id: string, input: UpdateConnectionInput) => updateConnectionUseCase(deps, caller, id.toLowerCase(), input),
    delete: (caller: Caller, id: string) => deleteConnection(deps, caller, id.toLowerCase()),
    test: (caller: Caller, id: string) => testConnection(deps, caller, id.toLowerCase()),
    searchResources: (id: string, search: string, top?: number) => searchConnectionResources(deps, id.toLowerCase(), search, top),
    list: () => listConnectionViews(deps.db, deps.secretBox),
    /** seals every connection's secrets again with the current key (after a key rotation) */
    resealAll: () => resealConnectionSecrets(deps),
    async get(id: string): Promise<ConnectionView> {
      const view = await loadConnectionView(deps.db, deps.secretBox, id.toLowerCase());
      if (!view) throw new NotFoundError('Connection', id);
      return view;
    },
  };
}

export type ConnectionService = ReturnType<typeof createConnectionService>;
export type { ConnectionView } from './view.js';
export type { CreateConnectionInput } from './create.js';
export type { UpdateConnectionInput } from './update.js';
