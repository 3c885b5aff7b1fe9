import { ConnectorError, type ResourceConnector } from '../../src/connectors/types.js';

/**
 * A resource system for tests ('TestSystem'): every originId exists, with roles Reader and Writer.
 * It records who holds what, and fails on demand — for chosen resources, a number of times or always —
 * so tests can watch retries, partial delivery and reprocessing.
 */
export class TestConnector implements ResourceConnector {
  readonly originSystem = 'TestSystem';
  readonly resourceNoun = 'test resource';
  readonly manageRequirement = 'nothing';
  /** `${targetId}|${roleOriginId}` of every role held now */
  readonly held = new Set<string>();
  readonly calls: string[] = [];
  /** resource originId → remaining failures (Infinity = always) */
  private failures = new Map<string, number>();

  failNext(resourceOriginId: string, times = Infinity): void {
    this.failures.set(resourceOriginId, times);
  }
  heal(resourceOriginId: string): void {
    this.failures.delete(resourceOriginId);
  }

  async lookup(originId: string) {
    return { originId, displayName: `Test resource ${originId}`, description: null, resourceType: 'Test', addable: true };
  }
  rolesOf(r: { originId: string }) {
    return ['Reader', 'Writer'].map((name) => ({ originId: `${name}_${r.originId}`, displayName: name, description: null }));
  }
  scopesOf(r: { originId: string }) {
    return [{ originId: r.originId, displayName: 'Root', description: 'Root Scope', isRootScope: true }];
  }
  async canManage() {
    return true;
  }
  private maybeFail(resource: string, what: string): void {
    const left = this.failures.get(resource);
    if (left === undefined || left <= 0) return;
    this.failures.set(resource, left - 1);
    throw new ConnectorError(`${what} failed: the test system refused`, true);
  }
  async grant(target: { objectId: string }, role: { originId: string; resourceOriginId: string }) {
    this.calls.push(`grant ${target.objectId} ${role.originId}`);
    this.maybeFail(role.resourceOriginId, 'grant');
    const key = `${target.objectId}|${role.originId}`;
    const changed = !this.held.has(key);
    this.held.add(key);
    return { changed };
  }
  async revoke(target: { objectId: string }, role: { originId: string; resourceOriginId: string }) {
    this.calls.push(`revoke ${target.objectId} ${role.originId}`);
    this.maybeFail(role.resourceOriginId, 'revoke');
    return { changed: this.held.delete(`${target.objectId}|${role.originId}`) };
  }
  async check(target: { objectId: string }, role: { originId: string }) {
    return this.held.has(`${target.objectId}|${role.originId}`);
  }
}
