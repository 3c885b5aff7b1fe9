import type { ServiceDeps } from './deps.js';

// Placeholder: filled in by its owner.
export function createUserService(_deps: Pick<ServiceDeps, 'db' | 'clock'>) {
  return {};
}
