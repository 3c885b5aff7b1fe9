import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, ApiError, EM, getPage, odataString, query } from '../../api/client';
import { DialogActions, useAction } from '../../components/dialogs';
import { ActionButton, ErrorBanner, Field, formatDate, Modal, Notice } from '../../components/ui';
import { statusText } from '../../components/status-text';
import { useLoad } from '../../components/use-load';
import { REQUEST_TYPE_TEXT } from './assignment-filters';
import { NO_PACKAGE_WRITE, usePackage } from './package-context';
import type { AssignmentRequest } from './types';
import { MyAccessLink } from './my-access-link';

/** Overview: the package's properties, Edit (name, description, Hidden), Delete and the My Access link. */
export function OverviewTab() {
  const { pkg, canWrite, reload } = usePackage();
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const why = canWrite ? null : NO_PACKAGE_WRITE;

  return (
    <div>
      <div className="toolbar">
        <ActionButton onClick={() => setEditing(true)} disabledReason={why}>Edit</ActionButton>
        <ActionButton className="danger" onClick={() => setDeleting(true)} disabledReason={why}>Delete</ActionButton>
      </div>
      <Notice>{notice}</Notice>
      <div className="panel">
        <h2 className="panel-title">Properties</h2>
        <dl className="props">
          <dt>Name</dt>
          <dd>{pkg.displayName}</dd>
          <dt>Description</dt>
          <dd>{pkg.description || <span className="muted">None</span>}</dd>
          <dt>Catalog</dt>
          <dd>{pkg.catalog?.displayName ?? '—'}</dd>
          <dt>Hidden</dt>
          <dd>{pkg.isHidden ? 'Yes — listed in no one’s My Access; only the direct link opens it' : 'No — listed in My Access for people a policy lets request it'}</dd>
          <dt>Created</dt>
          <dd>{formatDate(pkg.createdDateTime)}</dd>
          <dt>Modified</dt>
          <dd>{formatDate(pkg.modifiedDateTime)}</dd>
          <dt>Object ID</dt>
          <dd><code>{pkg.id}</code></dd>
        </dl>
      </div>
      <MyAccessLink packageId={pkg.id} />
      <Modal title="Edit access package" open={editing} onClose={() => setEditing(false)}>
        <EditForm
          onClose={() => setEditing(false)}
          onSaved={() => {
            setEditing(false);
            setNotice('The access package was saved.');
            reload();
          }}
        />
      </Modal>
      <Modal title="Delete access package" open={deleting} onClose={() => setDeleting(false)}>
        <DeleteConfirm onClose={() => setDeleting(false)} />
      </Modal>
    </div>
  );
}

function EditForm({ onClose, onSaved }: { onClose: () => void; onSaved: () => void }) {
  const { pkg } = usePackage();
  const [name, setName] = useState(pkg.displayName);
  const [description, setDescription] = useState(pkg.description ?? '');
  const [hidden, setHidden] = useState(pkg.isHidden);
  const [nameError, setNameError] = useState<string | null>(null);
  const action = useAction();

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!name.trim()) {
      setNameError('Give the access package a name.');
      return;
    }
    setNameError(null);
    await action.run(async () => {
      await api(`${EM}/accessPackages/${pkg.id}`, { method: 'PATCH', body: { displayName: name.trim(), description: description.trim() || null, isHidden: hidden } });
      onSaved();
    });
  }

  return (
    <form onSubmit={submit} noValidate>
      <ErrorBanner error={action.error} />
      <Field label="Name" error={nameError}>
        {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} maxLength={256} required />}
      </Field>
      <Field label="Description">
        {(p) => <textarea {...p} value={description} onChange={(e) => setDescription(e.target.value)} maxLength={2048} />}
      </Field>
      <fieldset>
        <legend>Hidden</legend>
        <label className="checkbox">
          <input type="radio" name="hidden" checked={!hidden} onChange={() => setHidden(false)} /> No — list it in My Access for the people who may request it
        </label>
        <label className="checkbox">
          <input type="radio" name="hidden" checked={hidden} onChange={() => setHidden(true)} /> Yes — only the direct My Access link opens it
        </label>
      </fieldset>
      <DialogActions onCancel={onClose} busy={action.busy} submitText="Save" />
    </form>
  );
}

/** Request states still in flight: a package with such requests cannot be deleted (the server refuses it with a 409). */
const OPEN_STATES = ['submitted', 'pendingApproval', 'scheduled', 'delivering'];

function DeleteConfirm({ onClose }: { onClose: () => void }) {
  const { pkg } = usePackage();
  const navigate = useNavigate();
  const action = useAction();
  const cancelling = useAction();
  const [cancelled, setCancelled] = useState<string | null>(null);
  // this refusal gets a way out: where to remove the assignments that hold the package
  const [hasAssignments, setHasAssignments] = useState(false);
  // open requests are listed up front, with a way to cancel them: the delete waits for them
  const open = useLoad(`open:${pkg.id}`, async (signal) => {
    const filter = `accessPackage/id eq ${odataString(pkg.id)} and state in (${OPEN_STATES.map(odataString).join(',')})`;
    return (await getPage<AssignmentRequest>(`${EM}/assignmentRequests${query({ $filter: filter, $expand: 'target', $orderby: 'createdDateTime', $top: 100 })}`, signal)).value;
  });
  const openRequests = open.data ?? [];

  const remove = () =>
    action.run(async () => {
      setCancelled(null);
      try {
        await api(`${EM}/accessPackages/${pkg.id}`, { method: 'DELETE' });
      } catch (err) {
        setHasAssignments(err instanceof ApiError && err.code === 'AccessPackageHasAssignments');
        if (err instanceof ApiError && err.code === 'AccessPackageHasOpenRequests') open.reload();
        throw err;
      }
      navigate('/admin/packages', { replace: true });
    });

  const cancelAll = () =>
    cancelling.run(async () => {
      for (const r of openRequests) await api(`${EM}/assignmentRequests/${r.id}/cancel`, { method: 'POST', body: {} });
      setCancelled(`Cancelled ${openRequests.length} open request${openRequests.length === 1 ? '' : 's'}.`);
      action.clear();
      open.reload();
    });

  return (
    <div>
      <p>
        Delete <strong>{pkg.displayName}</strong>? Its resource roles and policies are deleted with it. An access package can only be deleted
        when it has no active assignments and no open requests.
      </p>
      <ErrorBanner error={open.error} />
      {openRequests.length > 0 && (
        <div className="panel">
          <p className="tight">
            {openRequests.length === 1 ? 'This request is' : `These ${openRequests.length} requests are`} still open; cancel {openRequests.length === 1 ? 'it' : 'them'} before
            deleting the package:
          </p>
          <ul aria-label="Open requests">
            {openRequests.map((r) => (
              <li key={r.id}>
                {r.target?.displayName ?? r.target?.email ?? 'Someone'}: {REQUEST_TYPE_TEXT[r.requestType] ?? r.requestType}, {statusText(r.status)}
                {r.state === 'scheduled' && r.schedule?.startDateTime ? ` (starts ${formatDate(r.schedule.startDateTime)})` : ''}
              </li>
            ))}
          </ul>
          <ErrorBanner error={cancelling.error} />
          <button type="button" onClick={() => void cancelAll()} disabled={cancelling.busy}>
            {cancelling.busy ? 'Cancelling…' : openRequests.length === 1 ? 'Cancel this request' : `Cancel these ${openRequests.length} requests`}
          </button>
        </div>
      )}
      <Notice>{cancelled}</Notice>
      {action.error && (
        <div className="error-banner" role="alert">
          <p className="tight">{action.error}</p>
          {hasAssignments && (
            <p className="tight">
              People still hold this access package. Open the <Link to={`/admin/packages/${pkg.id}/assignments`}>Assignments</Link> tab, remove their
              assignments, and delete the package once they have ended.
            </p>
          )}
        </div>
      )}
      <DialogActions onCancel={onClose} busy={action.busy} submitText="Delete" busyText="Deleting…" tone="danger" onConfirm={() => void remove()} />
    </div>
  );
}
