import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { EM, query } from '../../api/client';
import { PagedContent, Pager, usePaged } from '../../components/paged';
import { ActionButton, ErrorBanner, formatDate, Modal, Notice, StatusBadge } from '../../components/ui';
import { useSettle } from './assignment-actions';
import { AssignmentDetail } from './assignment-detail';
import { statusText } from '../../components/status-text';
import { ASSIGNMENT_STATE_CHOICES, assignmentFilter, showsScheduled } from './assignment-filters';
import { NewAssignmentForm } from './new-assignment-form';
import { NO_ASSIGNMENT_WRITE, usePackage } from './package-context';
import { RemoveAssignmentsForm } from './remove-assignments-form';
import { ScheduledAssignments } from './scheduled-assignments';
import type { Assignment } from './types';

/** Assignments: who holds the package, filtered by state, with detail, direct assignment, CSV download and removal. */
export function AssignmentsTab() {
  const { pkg, canReadAssignments, canWriteAssignments } = usePackage();
  const [params, setParams] = useSearchParams();
  const state = params.get('state') ?? 'active';
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [checked, setChecked] = useState<Set<string>>(new Set());
  const [creating, setCreating] = useState(false);
  const [removing, setRemoving] = useState<string[] | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const filter = assignmentFilter(pkg.id, state);
  // Scheduled is no assignment state: that choice lists the scheduled requests alone
  const onlyScheduled = state === 'scheduled';
  const path = canReadAssignments && !onlyScheduled
    ? `${EM}/assignments${query({ $filter: filter, $expand: 'target,assignmentPolicy($select=id,displayName)', $top: 20, $count: true })}`
    : null;
  const paged = usePaged<Assignment>(path);
  const why = canWriteAssignments ? null : NO_ASSIGNMENT_WRITE;

  useEffect(() => {
    setChecked(new Set());
  }, [filter]);
  useSettle(paged.reload, notice);

  if (!canReadAssignments) {
    return <p className="warning">You need to be a catalog owner, access package manager or assignment manager of this catalog to see its assignments.</p>;
  }

  const selected = paged.items.find((a) => a.id === selectedId) ?? null;
  const csvHref = `/latchkey/v1/assignments.csv${query({ $filter: filter })}`;
  const toggle = (id: string, on: boolean) => setChecked((s) => {
    const n = new Set(s);
    if (on) n.add(id);
    else n.delete(id);
    return n;
  });
  const allChecked = paged.items.length > 0 && paged.items.every((a) => checked.has(a.id));

  return (
    <div>
      <div className="toolbar">
        <ActionButton className="primary" onClick={() => setCreating(true)} disabledReason={why}>New assignment</ActionButton>
        {!onlyScheduled && <a className="button" href={csvHref} download={`${pkg.displayName.replace(/[^\w.-]+/g, '_')}-assignments.csv`}>Download</a>}
        <ActionButton
          className="danger"
          onClick={() => setRemoving([...checked])}
          disabledReason={why ?? (checked.size === 0 ? 'Select the assignments to remove first.' : null)}
        >
          Remove{checked.size ? ` (${checked.size})` : ''}
        </ActionButton>
        <div className="field push-right">
          <label htmlFor="assignment-state">Status</label>
          <select
            id="assignment-state"
            value={state}
            onChange={(e) => {
              setSelectedId(null);
              setParams((p) => {
                const n = new URLSearchParams(p);
                n.set('state', e.target.value);
                return n;
              }, { replace: true });
            }}
          >
            {ASSIGNMENT_STATE_CHOICES.map((c) => (
              <option key={c.value} value={c.value}>{c.label}</option>
            ))}
          </select>
        </div>
      </div>
      <Notice>{notice}</Notice>
      <ErrorBanner error={paged.error} />
      <div className={selected ? 'split pkg-split' : undefined} hidden={onlyScheduled}>
        <div>
          <PagedContent paged={paged} what="assignments" empty={<>No assignments{state ? ' in this state' : ''}.</>}>
            <div className="table-wrap">
              <table className="responsive selectable">
                <caption className="visually-hidden">Assignments{paged.count !== undefined ? `, ${paged.count} in all` : ''}</caption>
                <thead>
                  <tr>
                    <th scope="col">
                      <input type="checkbox" aria-label="Select all assignments on this page" checked={allChecked} onChange={(e) => paged.items.forEach((a) => toggle(a.id, e.target.checked))} />
                    </th>
                    <th scope="col">Name</th>
                    {!selected && <th scope="col">Email</th>}
                    <th scope="col">Policy</th>
                    <th scope="col">Status</th>
                    <th scope="col">Ends</th>
                  </tr>
                </thead>
                <tbody>
                  {paged.items.map((a) => (
                    <tr key={a.id} className={a.id === selectedId ? 'selected' : undefined}>
                      <td data-label="Select">
                        <input type="checkbox" aria-label={`Select ${a.target?.displayName ?? a.id}`} checked={checked.has(a.id)} onChange={(e) => toggle(a.id, e.target.checked)} />
                      </td>
                      <td data-label="Name">
                        <button type="button" className="link" aria-pressed={a.id === selectedId} onClick={() => setSelectedId(a.id === selectedId ? null : a.id)}>
                          {a.target?.displayName ?? '(unknown)'}
                        </button>
                      </td>
                      {!selected && <td data-label="Email">{a.target?.email ?? '—'}</td>}
                      <td data-label="Policy" className="wrap">{a.assignmentPolicy?.displayName ?? '—'}</td>
                      <td data-label="Status"><StatusBadge status={statusText(a.status)} /></td>
                      <td data-label="Ends">{a.schedule.expiration.endDateTime ? formatDate(a.schedule.expiration.endDateTime) : 'Never'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </PagedContent>
          <Pager paged={paged} label="Assignments" />
        </div>
        {selected && (
          <AssignmentDetail
            assignment={selected}
            onClose={() => setSelectedId(null)}
            onRemove={canWriteAssignments && selected.state !== 'expired' ? () => setRemoving([selected.id]) : undefined}
          />
        )}
      </div>
      {/* after the list: they are not assignments yet, and the detail pane stays next to the list it belongs to */}
      {showsScheduled(state) && <ScheduledAssignments packageId={pkg.id} alone={onlyScheduled} reloadKey={notice} />}
      <Modal title="New assignment" open={creating} onClose={() => setCreating(false)}>
        <NewAssignmentForm
          onClose={() => setCreating(false)}
          onDone={(text) => {
            setCreating(false);
            setNotice(text);
            paged.reload();
          }}
        />
      </Modal>
      <Modal title="Remove assignments" open={!!removing} onClose={() => setRemoving(null)}>
        {removing && (
          <RemoveAssignmentsForm
            ids={removing}
            names={removing.map((id) => paged.items.find((a) => a.id === id)?.target?.displayName ?? id)}
            onClose={() => setRemoving(null)}
            onDone={(text) => {
              setRemoving(null);
              setChecked(new Set());
              setNotice(text);
              paged.reload();
            }}
          />
        )}
      </Modal>
    </div>
  );
}
