import { useState, type FormEvent } from 'react';
import { DialogActions, useAction } from '../../components/dialogs';
import { ErrorBanner, Field } from '../../components/ui';
import type { Connection } from './connection-kinds';

// Adding an LDAP identity source: the connection it reads through, the preset of the attribute mapping,
// and where the people and groups are (blank: the connection's own user and group base DNs). Filters,
// attribute overrides and the schedule keep their defaults here; the API takes them all (README).

export interface LdapSourceInput {
  kind: 'ldap';
  displayName: string;
  connectionId: string;
  settings: { preset: 'openldap' | 'activeDirectory'; usersBaseDn?: string; groupsBaseDn?: string };
}

export function IdentitySourceForm({ connections, onSubmit, onCancel }: { connections: Connection[]; onSubmit: (input: LdapSourceInput) => Promise<void>; onCancel: () => void }) {
  const ldap = connections.filter((c) => c.kind === 'ldap');
  const [name, setName] = useState('');
  const [connectionId, setConnectionId] = useState(ldap[0]?.id ?? '');
  const [preset, setPreset] = useState<'openldap' | 'activeDirectory'>('openldap');
  const [usersBaseDn, setUsersBaseDn] = useState('');
  const [groupsBaseDn, setGroupsBaseDn] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const action = useAction();
  const chosen = ldap.find((c) => c.id === connectionId);
  const defaultOf = (key: string) => (chosen?.settings[key] as string | undefined) ?? (chosen?.settings.baseDn as string | undefined) ?? '';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const found: Record<string, string> = {};
    if (!name.trim()) found.name = 'Enter a name.';
    if (!connectionId) found.connection = 'Choose the LDAP connection to read the directory through.';
    setErrors(found);
    if (Object.keys(found).length) return;
    await action.run(() => onSubmit({
      kind: 'ldap', displayName: name.trim(), connectionId,
      settings: { preset, ...(usersBaseDn.trim() ? { usersBaseDn: usersBaseDn.trim() } : {}), ...(groupsBaseDn.trim() ? { groupsBaseDn: groupsBaseDn.trim() } : {}) },
    }));
  };

  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      <Field label="Name" error={errors.name}>
        {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} required maxLength={256} />}
      </Field>
      <Field label="LDAP connection" error={errors.connection} hint={ldap.length === 0 ? 'Add an LDAP connection under Connections first.' : 'Its server, bind DN and password are used to read the directory.'}>
        {(p) => (
          <select {...p} value={connectionId} onChange={(e) => setConnectionId(e.target.value)}>
            {ldap.map((c) => (
              <option key={c.id} value={c.id}>
                {c.displayName}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Directory" hint="The attribute mapping and filters to start from.">
        {(p) => (
          <select {...p} value={preset} onChange={(e) => setPreset(e.target.value as 'openldap' | 'activeDirectory')}>
            <option value="openldap">OpenLDAP (inetOrgPerson)</option>
            <option value="activeDirectory">Active Directory</option>
          </select>
        )}
      </Field>
      <Field label="People base DN" hint={`Blank: the connection's (${defaultOf('userBaseDn') || 'its base DN'}).`}>
        {(p) => <input {...p} value={usersBaseDn} onChange={(e) => setUsersBaseDn(e.target.value)} maxLength={1024} />}
      </Field>
      <Field label="Groups base DN" hint={`Blank: the connection's (${defaultOf('groupBaseDn') || 'its base DN'}).`}>
        {(p) => <input {...p} value={groupsBaseDn} onChange={(e) => setGroupsBaseDn(e.target.value)} maxLength={1024} />}
      </Field>
      <ErrorBanner error={action.error} />
      <DialogActions onCancel={onCancel} busy={action.busy} submitText="Add" busyText="Adding…" />
    </form>
  );
}
