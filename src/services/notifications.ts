import type { ServiceDeps } from './deps.js';

// Placeholder: filled in by its owner.
export function createNotificationService(_deps: Pick<ServiceDeps, 'db' | 'clock'>) {
  return {};
}
