import type { ServiceDeps } from './deps.js';
import { createTokenService } from './tokens.js';
import { createCatalogService } from './catalogs.js';
import { createBootstrapService } from './bootstrap.js';

/** The object graph of use cases, built once per app from explicit dependencies (no module-level singletons). */
export function createServices(deps: ServiceDeps) {
  return {
    tokens: createTokenService(deps),
    catalogs: createCatalogService(deps),
    bootstrap: createBootstrapService(deps),
  };
}

export type Services = ReturnType<typeof createServices>;
