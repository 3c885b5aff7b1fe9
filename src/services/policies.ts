import type { ServiceDeps } from './deps.js';

// Placeholder: filled in by its owner.
export function createPolicyService(_deps: Pick<ServiceDeps, 'db' | 'clock'>) {
  return {};
}
