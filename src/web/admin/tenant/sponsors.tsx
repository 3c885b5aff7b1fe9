import { useState } from 'react';
import { api, getAll } from '../../api/client';
import { ActionButton, Empty, ErrorBanner, Loading, Modal, Notice } from '../../components/ui';
import { DirectoryPicker } from '../catalogs/shared';
import { kindOf, type DirectoryObject, type FoundObject } from '../../api/directory';
import { ConfirmDialog } from '../../components/dialogs';
import { useLoad } from '../../components/use-load';
import { ORGS } from './connected-org-list';

// Internal sponsors (people of this organization) and external sponsors (people of the connected one)
// can be named as approvers for the connected organization's users.
export function SponsorList({ orgId, kind, noWrite }: { orgId: string; kind: 'internal' | 'external'; noWrite: string | null }) {
  const nav = `${kind}Sponsors`;
  const title = kind === 'internal' ? 'Internal sponsors' : 'External sponsors';
  const sponsors = useLoad<DirectoryObject[]>(`${orgId}:${kind}`, (signal) => getAll<DirectoryObject>(`${ORGS}/${orgId}/${nav}`, signal));
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<DirectoryObject | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const headingId = `${kind}-sponsors`;

  const add = async (o: FoundObject) => {
    await api(`${ORGS}/${orgId}/${nav}/$ref`, { method: 'POST', body: { '@odata.id': `${window.location.origin}/v1.0/${o.kind === 'group' ? 'groups' : 'users'}/${o.id}` } });
    setNotice(`${o.displayName ?? o.id} was added.`);
    setAdding(false);
    sponsors.reload();
  };
  const remove = async () => {
    if (!removing) return;
    await api(`${ORGS}/${orgId}/${nav}/${removing.id}/$ref`, { method: 'DELETE' });
    setNotice(`${removing.displayName ?? removing.id} was removed.`);
    setRemoving(null);
    sponsors.reload();
  };

  return (
    <section className="panel" aria-labelledby={headingId}>
      <div className="page-header">
        <h2 id={headingId}>{title}</h2>
        <ActionButton onClick={() => setAdding(true)} disabledReason={noWrite} aria-label={`Add ${kind} sponsor`}>
          Add
        </ActionButton>
      </div>
      <Notice>{notice}</Notice>
      <ErrorBanner error={sponsors.error} />
      {!sponsors.data ? (
        !sponsors.error && <Loading what="sponsors" />
      ) : sponsors.data.length === 0 ? (
        <Empty>No {kind} sponsors.</Empty>
      ) : (
        <ul className="plain sponsor-list">
          {sponsors.data.map((s) => (
            <li key={s.id}>
              <span>
                {s.displayName ?? s.id} <small className="muted">{kindOf(s) === 'group' ? 'Group' : (s.userPrincipalName ?? '')}</small>
              </span>
              <ActionButton className="link" onClick={() => setRemoving(s)} disabledReason={noWrite} aria-label={`Remove ${s.displayName ?? s.id} from ${kind} sponsors`}>
                Remove
              </ActionButton>
            </li>
          ))}
        </ul>
      )}
      <Modal title={`Add ${kind} sponsor`} open={adding} onClose={() => setAdding(false)}>
        <DirectoryPicker
          kinds={['user', 'group']}
          label="Search users and groups"
          actionText="Select"
          onPick={add}
          disabledIds={new Set((sponsors.data ?? []).map((s) => s.id.toLowerCase()))}
        />
      </Modal>
      <ConfirmDialog title={`Remove ${kind} sponsor`} open={!!removing} onClose={() => setRemoving(null)} onConfirm={remove} confirmText="Remove">
        <p>
          Remove <strong>{removing?.displayName ?? removing?.id}</strong> from the {kind} sponsors?
        </p>
      </ConfirmDialog>
    </section>
  );
}
