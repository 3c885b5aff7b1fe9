import { Type, type Static } from '@sinclair/typebox';
import { readSettings } from '../../../connectors/settings-schema.js';
import { parseSyncFilter } from '../../../connectors/ldap/directory.js';
import { ConnectorError } from '../../../connectors/types.js';
import type { LdapSettings } from '../../../connectors/ldap/settings.js';
import { tryParseDuration } from '../../../domain/duration.js';
import { ValidationError } from '../../../domain/errors.js';
import {
  DEFAULT_SCHEDULE, PRESETS, resolveMapping, type AttributeMapping, type DisabledRule, type SyncPreset, type SyncSchedule,
} from '../../../domain/identity-sync.js';

// The settings of an identity source of kind ldap (identity_sources.settings): where the people and
// groups are in the directory (base DNs and filters, by default the connection's userBaseDn and
// groupBaseDn), how their attributes become users' properties (a preset, with overrides per property),
// when an account is disabled there, and the schedule. Every field has a description: they feed the
// OpenAPI document. Secrets stay on the connection.

const ATTRIBUTE = '^[A-Za-z][A-Za-z0-9-]*(;[A-Za-z0-9-]+)?$';
const attributes = (description: string) => Type.Optional(Type.Union([
  Type.String({ pattern: ATTRIBUTE, maxLength: 128 }),
  Type.Array(Type.String({ pattern: ATTRIBUTE, maxLength: 128 }), { maxItems: 8 }),
], { description: `${description} One attribute, or a list tried in order (an empty list maps nothing).` }));
const dn = (description: string) => Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description }));
const filter = (description: string) => Type.Optional(Type.String({ minLength: 3, maxLength: 2048, description }));
const duration = (description: string, def: string) => Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()], { description, default: def }));

export const ldapSourceSettingsSchema = Type.Object({
  preset: Type.Optional(Type.Union([Type.Literal('openldap'), Type.Literal('activeDirectory')], {
    default: 'openldap',
    description: 'The defaults of the filters and of the attribute mapping: openldap (inetOrgPerson: entryUUID, mail, cn, givenName, sn, title, departmentNumber or ou, employeeNumber, manager, modifyTimestamp) or activeDirectory (objectGUID, userPrincipalName, mail, displayName, department, employeeID, manager, whenChanged; disabled by userAccountControl bit 2).',
  })),
  usersBaseDn: dn("Where the people are (default: the connection's userBaseDn)."),
  usersFilter: filter("LDAP filter of the entries that are people (default: the preset's, (objectClass=inetOrgPerson) or (&(objectCategory=person)(objectClass=user)))."),
  groupsBaseDn: dn("Where the groups are (default: the connection's groupBaseDn)."),
  groupsFilter: filter("LDAP filter of the entries that are groups (default: the preset's, groupOfNames and groupOfUniqueNames, or (objectClass=group))."),
  syncGroups: Type.Optional(Type.Boolean({ default: true, description: 'Whether groups (and their members, nested groups included) are synced too.' })),
  userAttributes: Type.Optional(Type.Object({
    key: attributes('The stable id of an entry, kept across renames and moves (entryUUID, objectGUID).'),
    userPrincipalName: attributes('The sign-in name (it must look like name@domain).'),
    displayName: attributes('The display name.'),
    mail: attributes('The e-mail address.'),
    mailNickname: attributes('The mail nickname (uid, sAMAccountName).'),
    givenName: attributes('The given name.'),
    surname: attributes('The surname.'),
    jobTitle: attributes('The job title.'),
    department: attributes('The department.'),
    employeeId: attributes('The employee id.'),
    costCenter: attributes('The cost center.'),
    division: attributes('The division.'),
    organization: attributes('The organization.'),
    manager: attributes("The manager's DN."),
    modified: attributes('When the entry last changed, as the directory keeps it (modifyTimestamp, whenChanged): where incremental runs start.'),
  }, { additionalProperties: false, description: "Overrides of the preset's attribute for each user property." })),
  groupAttributes: Type.Optional(Type.Object({
    key: attributes('The stable id of a group entry.'),
    displayName: attributes("The group's name."),
    description: attributes("The group's description."),
    members: attributes('The attributes listing member DNs (member, uniqueMember); members that are groups of the source become nested group members.'),
    modified: attributes('When the group last changed (it changes when its members do).'),
  }, { additionalProperties: false, description: "Overrides of the preset's attribute for each group property." })),
  disabled: Type.Optional(Type.Union([Type.Object({
    attribute: Type.String({ pattern: ATTRIBUTE, maxLength: 128 }),
    values: Type.Optional(Type.Array(Type.String({ maxLength: 256 }), { maxItems: 16, description: 'Disabled when the attribute has one of these values (any case).' })),
    bit: Type.Optional(Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1, description: 'Disabled when the attribute, an integer, has this bit set (Active Directory userAccountControl: 2).' })),
  }, { additionalProperties: false }), Type.Null()], { description: "When an entry is a disabled account (its user's accountEnabled false); default: the preset's (none for openldap), null: never." })),
  schedule: Type.Optional(Type.Object({
    incremental: duration('ISO 8601 duration between incremental runs (entries changed since the last run); null: none.', DEFAULT_SCHEDULE.incremental!),
    full: duration('ISO 8601 duration between full runs (every entry read again, and what is gone found); null: none.', DEFAULT_SCHEDULE.full!),
  }, { additionalProperties: false, description: 'The schedule starts after the first real (not dry) full run.' })),
}, { additionalProperties: false });

export type LdapSourceSettings = Static<typeof ldapSourceSettingsSchema>;

/** The settings as stored (defaults filled in), or a 400 naming the field. */
export function readLdapSourceSettings(input: unknown): LdapSourceSettings {
  const s = readSettings(ldapSourceSettingsSchema, input, 'settings');
  for (const f of ['usersFilter', 'groupsFilter'] as const) {
    const text = s[f];
    if (text === undefined) continue;
    try {
      parseSyncFilter(f, text);
    } catch (e) {
      throw new ValidationError(`settings.${f}: ${e instanceof ConnectorError ? e.message : String(e)}`, `settings.${f}`);
    }
  }
  for (const f of ['incremental', 'full'] as const) {
    const v = s.schedule?.[f];
    if (typeof v === 'string' && !tryParseDuration(v)) {
      throw new ValidationError(`settings.schedule.${f}: '${v}' is not an ISO 8601 duration (e.g. PT15M, P1D).`, `settings.schedule.${f}`);
    }
  }
  if (s.disabled && !s.disabled.values?.length && !s.disabled.bit) {
    throw new ValidationError('settings.disabled: give values or bit (or null for no rule).', 'settings.disabled');
  }
  return s;
}

/** Everything a run needs, with the preset's and the connection's defaults applied. */
export interface ResolvedSourceSettings {
  preset: SyncPreset;
  usersBaseDn: string;
  usersFilter: string;
  groupsBaseDn: string;
  groupsFilter: string;
  syncGroups: boolean;
  mapping: AttributeMapping;
  disabled: DisabledRule | null;
  schedule: SyncSchedule;
}

export function resolveSourceSettings(s: LdapSourceSettings, connection: Pick<LdapSettings, 'baseDn' | 'userBaseDn' | 'groupBaseDn'>): ResolvedSourceSettings {
  const preset = s.preset ?? 'openldap';
  const defaults = PRESETS[preset];
  return {
    preset,
    usersBaseDn: s.usersBaseDn ?? connection.userBaseDn ?? connection.baseDn,
    usersFilter: s.usersFilter ?? defaults.usersFilter,
    groupsBaseDn: s.groupsBaseDn ?? connection.groupBaseDn ?? connection.baseDn,
    groupsFilter: s.groupsFilter ?? defaults.groupsFilter,
    syncGroups: s.syncGroups ?? true,
    mapping: resolveMapping(preset, { user: s.userAttributes, group: s.groupAttributes }),
    disabled: s.disabled === undefined ? defaults.disabled : s.disabled,
    schedule: scheduleOf(s),
  };
}

/** A source's schedule with its defaults filled in: all the worker's timers need of its settings. */
export function scheduleOf(s: LdapSourceSettings): ResolvedSourceSettings['schedule'] {
  return {
    incremental: s.schedule?.incremental === undefined ? DEFAULT_SCHEDULE.incremental : s.schedule.incremental,
    full: s.schedule?.full === undefined ? DEFAULT_SCHEDULE.full : s.schedule.full,
  };
}
