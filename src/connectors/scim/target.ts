import type { AccountRef, AccountSubject, Target, TargetLimits, TargetOutcome, TargetRole } from '../kit.js';
import { withLimits } from '../limits.js';
import { ConnectorError, type ConnectorRole, type ResourceDescriptor } from '../types.js';
import { createScimHttp, type ScimHttp } from './http.js';
import { resolveScimSettings, type ScimSecrets, type ScimSettings, type ScimSettingsInput } from './settings.js';

// The client of one SCIM 2.0 application (RFC 7643/7644): its groups are the resources, Member their
// one role; membership changes go through PATCH /Groups/{id}. Grant and revoke never read the group's
// member list (that made filling a group quadratic): they read the group's meta.lastModified without
// members, PATCH, and a lastModified left as it was means the PATCH changed nothing ("already a
// member" / "already gone": changed false). A 409 (uniqueness) to an add is "already a member" too.
// Only a server that keeps no lastModified is asked for the member list.

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';

export const SCIM_MEMBER_ROLE: ConnectorRole = { originId: 'Member', displayName: 'Member', description: 'Member of the SCIM group' };

/** A SCIM filter string literal: SCIM takes JSON string syntax, so quotes and backslashes are escaped. */
export function scimString(value: string): string {
  return JSON.stringify(value);
}

interface ScimGroup {
  id: string;
  displayName?: string;
  meta?: { lastModified?: string; version?: string };
  members?: { value: string; display?: string }[];
}

/** The failure with what was being done in front (which account, which group), retryability kept. */
async function doing<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ConnectorError && !err.message.startsWith('The SCIM group')) throw new ConnectorError(`${what}: ${err.message}`, err.retryable, { retryAfterMs: err.retryAfterMs });
    throw err;
  }
}

function descriptorOf(g: ScimGroup): ResourceDescriptor {
  return { originId: g.id, displayName: g.displayName ?? g.id, description: null, resourceType: 'SCIM group', addable: true };
}

/** The value the connection's account rule looks for, and a phrase saying what it is. */
export function accountKeyOf(settings: ScimSettings, subject: AccountSubject): { value: string | null; phrase: (v: string) => string } {
  const value = subject[settings.accountProperty];
  return { value, phrase: (v) => `${settings.accountAttribute} ${scimString(v)} (the user's ${settings.accountProperty})` };
}

export function createScimTarget(input: ScimSettingsInput, secrets: ScimSecrets, limits: TargetLimits): Target {
  const settings = resolveScimSettings(input);
  if (!secrets?.bearerToken) throw new ConnectorError('The SCIM connection has no bearer token.', false);
  const http = createScimHttp(settings.baseUrl, secrets.bearerToken, settings.timeoutMs);
  return withLimits(scimTarget(settings, http), limits);
}

function scimTarget(settings: ScimSettings, http: ScimHttp): Target {
  const { where } = http;
  /** which removal form worked here, once 'auto' found out */
  let removalLearned: 'path' | 'valueList' | undefined;

  /** One page of groups; undefined when the server refuses the query (400, e.g. a filter operator it lacks). */
  async function groupPage(startIndex: number, filter?: string) {
    const query: Record<string, string | number> = { startIndex, count: settings.pageSize, attributes: 'displayName' };
    if (filter) query.filter = filter;
    const r = await http.request('GET', '/Groups', { query, accept: [400] });
    if (r.status === 400) return undefined;
    const resources = (r.body?.Resources ?? []) as ScimGroup[];
    return { resources, total: Number(r.body?.totalResults ?? resources.length) };
  }

  /**
   * Every group whose displayName satisfies `keep`, page by page (startIndex/count): sorting by name
   * needs them all, since few servers sort. Undefined when the server refuses the filter.
   */
  async function scanGroups(keep: (g: ScimGroup) => boolean, filter?: string): Promise<ScimGroup[] | undefined> {
    const found: ScimGroup[] = [];
    let startIndex = 1;
    for (;;) {
      const page = await groupPage(startIndex, filter);
      if (!page) {
        if (filter) return undefined;
        throw new ConnectorError(`The ${where} refused to list its groups (400).`, false);
      }
      found.push(...page.resources.filter(keep));
      startIndex += page.resources.length;
      if (page.resources.length === 0 || startIndex > page.total) return found;
    }
  }

  async function readGroup(groupId: string, attributes: string): Promise<ScimGroup | undefined> {
    const r = await http.request('GET', `/Groups/${encodeURIComponent(groupId)}`, { query: { attributes }, accept: [404] });
    return r.status === 404 ? undefined : (r.body as ScimGroup);
  }

  async function membersOf(role: TargetRole): Promise<{ value: string; display?: string }[]> {
    const g = await readGroup(role.resourceId, 'members');
    if (!g) throw new ConnectorError(`The SCIM group ${scimString(role.resourceId)} does not exist at the ${where}.`, false);
    return g.members ?? [];
  }

  /** The group's version stamp (meta.version, else meta.lastModified) read without its members; undefined when it keeps none. */
  async function stampOf(role: TargetRole, account: AccountRef): Promise<string | undefined> {
    const r = await http.request('GET', `/Groups/${encodeURIComponent(role.resourceId)}`, { query: { excludedAttributes: 'members' }, accept: [404] });
    if (r.status === 404) throw new ConnectorError(`The SCIM group ${scimString(role.resourceId)} does not exist at the ${where} (changing ${account.display}).`, false);
    return stamp(r.body as ScimGroup | undefined);
  }
  const stamp = (g: ScimGroup | undefined): string | undefined => g?.meta?.version ?? g?.meta?.lastModified;

  async function patchGroup(role: TargetRole, account: AccountRef, operation: Record<string, unknown>, accept: number[] = []) {
    const r = await http.request('PATCH', `/Groups/${encodeURIComponent(role.resourceId)}`, {
      // the answer is the group: without its members, so that a PATCH costs the same in a full group
      query: { excludedAttributes: 'members' },
      body: { schemas: [PATCH_OP], Operations: [operation] },
      accept: [404, ...accept],
    });
    if (r.status === 404) throw new ConnectorError(`The SCIM group ${scimString(role.resourceId)} does not exist at the ${where} (changing ${account.display}).`, false);
    return r;
  }

  const removeByPath = (role: TargetRole, account: AccountRef, accept: number[] = []) =>
    patchGroup(role, account, { op: 'remove', path: `members[value eq ${scimString(account.id)}]` }, accept);
  const removeByValueList = (role: TargetRole, account: AccountRef) => patchGroup(role, account, { op: 'remove', path: 'members', value: [{ value: account.id }] });
  const isMember = async (role: TargetRole, accountId: string) => (await membersOf(role)).some((m) => m.value === accountId);

  return {
    async test() {
      const groups = await http.request('GET', '/Groups', { query: { startIndex: 1, count: 1, attributes: 'displayName' } });
      const users = await http.request('GET', '/Users', { query: { startIndex: 1, count: 1, attributes: 'userName' } });
      return { summary: `${where}: ${Number(groups.body?.totalResults ?? 0)} groups, ${Number(users.body?.totalResults ?? 0)} users` };
    },

    async searchResources(search, limit) {
      const needle = search.trim().toLowerCase();
      const contains = (g: ScimGroup) => (g.displayName ?? '').toLowerCase().includes(needle);
      // `co` is optional in SCIM (many servers filter only by eq): a refused filter means reading every page
      const groups = needle
        ? ((await scanGroups(contains, `displayName co ${scimString(search.trim())}`)) ?? (await scanGroups(contains)))!
        : (await scanGroups(() => true))!;
      return groups
        .map(descriptorOf)
        .sort((a, b) => a.displayName.localeCompare(b.displayName))
        .slice(0, limit);
    },

    async lookupResource(resourceId) {
      const g = await readGroup(resourceId, 'displayName');
      return g ? descriptorOf(g) : undefined;
    },

    rolesOf: () => [SCIM_MEMBER_ROLE],

    async findAccount(subject) {
      const { value } = accountKeyOf(settings, subject);
      if (!value) return undefined;
      const r = await http.request('GET', '/Users', {
        query: { filter: `${settings.accountAttribute} eq ${scimString(value)}`, attributes: 'userName,displayName,externalId', startIndex: 1, count: 2 },
      });
      const users = (r.body?.Resources ?? []) as { id: string; userName?: string; displayName?: string; externalId?: string }[];
      // eq is case-insensitive for userName (RFC 7643 caseExact false); externalId is case-exact
      const exact = users.filter((u) => (settings.accountAttribute === 'userName' ? u.userName?.toLowerCase() === value.toLowerCase() : u.externalId === value));
      if (exact.length > 1) throw new ConnectorError(`More than one SCIM user at the ${where} has ${accountKeyOf(settings, subject).phrase(value)}.`, false);
      const u = exact[0];
      return u ? { id: u.id, display: u.userName ?? u.displayName ?? u.id } : undefined;
    },

    describeAccount(subject: AccountSubject): string {
      const { value, phrase } = accountKeyOf(settings, subject);
      if (!value) return `a SCIM user by the user's ${settings.accountProperty}, but ${subject.userPrincipalName} has none`;
      return `a SCIM user with ${phrase(value)} at the ${where}`;
    },

    ...(settings.createAccounts
      ? {
          async createAccount(subject: AccountSubject): Promise<AccountRef> {
            const { value, phrase } = accountKeyOf(settings, subject);
            if (!value) throw new ConnectorError(`Cannot create a SCIM account for ${subject.displayName}: the user has no ${settings.accountProperty}.`, false);
            const userName = settings.accountAttribute === 'userName' ? value : subject.userPrincipalName;
            const r = await http.request('POST', '/Users', {
              body: {
                schemas: [USER_SCHEMA],
                userName,
                externalId: settings.accountAttribute === 'externalId' ? value : subject.id,
                displayName: subject.displayName,
                name: { givenName: subject.givenName ?? undefined, familyName: subject.surname ?? undefined, formatted: subject.displayName },
                emails: subject.mail ? [{ value: subject.mail, type: 'work', primary: true }] : undefined,
                active: true,
              },
              accept: [409],
            });
            if (r.status === 409) {
              // created meanwhile (another grant, a retry after a lost answer): the existing one is the account
              const existing = await this.findAccount(subject);
              if (existing) return existing;
              throw new ConnectorError(`The ${where} refused to create the SCIM user with ${phrase(value)} (409: ${r.body?.detail ?? 'conflict'}).`, false);
            }
            return { id: String(r.body.id), display: String(r.body.userName ?? userName) };
          },
        }
      : {}),

    grant(account, role) {
      return doing(`Adding ${account.display} to SCIM group ${scimString(role.resourceId)}`, async (): Promise<TargetOutcome> => {
        const before = await stampOf(role, account);
        if (before === undefined && (await isMember(role, account.id))) return { changed: false };
        const r = await patchGroup(role, account, { op: 'add', path: 'members', value: [{ value: account.id }] }, [409]);
        if (r.status === 409) return { changed: false };
        return { changed: before === undefined || stamp(r.body) !== before };
      });
    },

    revoke(account, role) {
      return doing(`Removing ${account.display} from SCIM group ${scimString(role.resourceId)}`, () => removeMember(account, role));
    },

    async listHolders(role) {
      return (await membersOf(role)).map((m) => ({ id: m.value, display: m.display ?? m.value }));
    },

    async close() {},
  };

  /** Removes the member in the connection's form; in auto, the first form that works here is remembered. */
  async function removeMember(account: AccountRef, role: TargetRole): Promise<TargetOutcome> {
    const last = await stampOf(role, account);
    if (last !== undefined) return removeByStamp(account, role, last);
    if (!(await isMember(role, account.id))) return { changed: false };
    const form = settings.memberRemoval === 'auto' ? removalLearned : settings.memberRemoval;
    if (form === 'valueList') await removeByValueList(role, account);
    else if (form === 'path') await removeByPath(role, account);
    else {
      // servers differ: some refuse the filter path (400), some accept it and change nothing
      const r = await removeByPath(role, account, [400]);
      if (r.status !== 400 && !(await isMember(role, account.id))) {
        removalLearned = 'path';
        return { changed: true };
      }
      await removeByValueList(role, account);
      if (await isMember(role, account.id)) {
        throw new ConnectorError(`The ${where} accepted removing ${account.display} from SCIM group ${scimString(role.resourceId)} in both PATCH forms but kept the member.`, false);
      }
      removalLearned = 'valueList';
    }
    return { changed: true };
  }

  /**
   * Removal judged by the group's version stamp: a PATCH that left it as it was changed nothing. In
   * auto, a path form accepted without effect is either a non-member or a server ignoring that form,
   * so the value list is tried too; a form is learned only once it changed something (or path got 400).
   */
  async function removeByStamp(account: AccountRef, role: TargetRole, before: string): Promise<TargetOutcome> {
    const form = settings.memberRemoval === 'auto' ? removalLearned : settings.memberRemoval;
    if (form === 'valueList') return { changed: stamp((await removeByValueList(role, account)).body) !== before };
    if (form === 'path') return { changed: stamp((await removeByPath(role, account)).body) !== before };
    const r = await removeByPath(role, account, [400]);
    if (r.status !== 400 && stamp(r.body) !== before) {
      removalLearned = 'path';
      return { changed: true };
    }
    const changed = stamp((await removeByValueList(role, account)).body) !== before;
    if (changed || r.status === 400) removalLearned = 'valueList';
    return { changed };
  }
}
