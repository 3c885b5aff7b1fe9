import { useState, type FormEvent } from 'react';
import { odataString, query } from '../../api/client';
import { PagedContent, Pager, usePaged } from '../../components/paged';
import { Empty, ErrorBanner, Modal, PageHeader, formatDate } from '../../components/ui';
import { AUDIT_CATEGORIES, initiatorOf, type AuditEvent } from './types';

const AUDITS = '/v1.0/auditLogs/directoryAudits';

export interface AuditFilters {
  activity: string;
  category: string;
  actor: string;
  target: string;
  from: string;
  to: string;
  result: string;
}

const NO_FILTERS: AuditFilters = { activity: '', category: '', actor: '', target: '', from: '', to: '', result: '' };

/** The OData $filter for the form's fields; dates are the person's local days (the whole "to" day included). */
export function auditFilter(f: AuditFilters): string | undefined {
  const parts: string[] = [];
  if (f.activity.trim()) parts.push(`contains(activityDisplayName,${odataString(f.activity.trim())})`);
  if (f.category) parts.push(`category eq ${odataString(f.category)}`);
  if (f.result) parts.push(`result eq ${odataString(f.result)}`);
  if (f.actor.trim()) parts.push(`contains(initiatedBy/user/displayName,${odataString(f.actor.trim())})`);
  if (f.target.trim()) parts.push(`contains(targetResources/displayName,${odataString(f.target.trim())})`);
  if (f.from) parts.push(`activityDateTime ge ${new Date(`${f.from}T00:00:00`).toISOString()}`);
  if (f.to) {
    const end = new Date(`${f.to}T00:00:00`);
    end.setDate(end.getDate() + 1);
    parts.push(`activityDateTime lt ${end.toISOString()}`);
  }
  return parts.length ? parts.join(' and ') : undefined;
}

// Who changed what and when, newest first, filtered by activity, category, actor, target and dates;
// each event opens with its changed properties.
export function AuditLogPage() {
  const [draft, setDraft] = useState<AuditFilters>(NO_FILTERS);
  const [applied, setApplied] = useState<AuditFilters>(NO_FILTERS);
  const [dateError, setDateError] = useState<string | null>(null);
  const [open, setOpen] = useState<AuditEvent | null>(null);
  const paged = usePaged<AuditEvent>(`${AUDITS}${query({ $filter: auditFilter(applied), $top: 25 })}`);
  const set = (k: keyof AuditFilters) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [k]: e.target.value }));

  const apply = (e: FormEvent) => {
    e.preventDefault();
    if (draft.from && draft.to && draft.from > draft.to) {
      setDateError('“From” must not be after “To”.');
      return;
    }
    setDateError(null);
    setApplied(draft);
  };

  return (
    <section>
      <PageHeader title="Audit log">
        <p className="muted">Every change made in Latchkey, newest first.</p>
      </PageHeader>
      <form className="panel audit-filters" onSubmit={apply} aria-label="Audit log filters">
        <div className="field">
          <label htmlFor="audit-activity">Activity</label>
          <input id="audit-activity" type="search" value={draft.activity} onChange={set('activity')} placeholder="e.g. Create catalog" />
        </div>
        <div className="field">
          <label htmlFor="audit-category">Category</label>
          <select id="audit-category" value={draft.category} onChange={set('category')}>
            <option value="">Any</option>
            {AUDIT_CATEGORIES.map((c) => (
              <option key={c} value={c}>
                {spaced(c)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="audit-actor">Initiated by</label>
          <input id="audit-actor" type="search" value={draft.actor} onChange={set('actor')} placeholder="Name contains…" />
        </div>
        <div className="field">
          <label htmlFor="audit-target">Target</label>
          <input id="audit-target" type="search" value={draft.target} onChange={set('target')} placeholder="Name contains…" />
        </div>
        <div className="field">
          <label htmlFor="audit-result">Result</label>
          <select id="audit-result" value={draft.result} onChange={set('result')}>
            <option value="">Any</option>
            <option value="success">Success</option>
            <option value="failure">Failure</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="audit-from">From</label>
          <input id="audit-from" type="date" value={draft.from} onChange={set('from')} aria-describedby={dateError ? 'audit-date-error' : undefined} />
        </div>
        <div className="field">
          <label htmlFor="audit-to">To</label>
          <input id="audit-to" type="date" value={draft.to} onChange={set('to')} />
        </div>
        <div className="audit-filter-actions">
          <button type="submit" className="primary">
            Apply filters
          </button>
          <button
            type="button"
            onClick={() => {
              setDraft(NO_FILTERS);
              setApplied(NO_FILTERS);
              setDateError(null);
            }}
          >
            Clear
          </button>
        </div>
        {dateError && (
          <p id="audit-date-error" className="field-error">
            {dateError}
          </p>
        )}
      </form>
      <ErrorBanner error={paged.error} />
      <PagedContent paged={paged} what="audit events" empty="No audit events match these filters.">
        <div className="table-wrap">
          <table className="responsive lk-table">
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Activity</th>
                <th scope="col">Category</th>
                <th scope="col">Initiated by</th>
                <th scope="col">Target</th>
                <th scope="col">Result</th>
              </tr>
            </thead>
            <tbody>
              {paged.items.map((e) => (
                <tr key={e.id}>
                  <td data-label="Date">{formatDate(e.activityDateTime)}</td>
                  <td data-label="Activity">
                    <button type="button" className="link" onClick={() => setOpen(e)} aria-label={`${e.activityDisplayName} at ${formatDate(e.activityDateTime)}: details`}>
                      {e.activityDisplayName}
                    </button>
                  </td>
                  <td data-label="Category">{spaced(e.category)}</td>
                  <td data-label="Initiated by">{initiatorOf(e)}</td>
                  <td data-label="Target">{e.targetResources.map((t) => t.displayName ?? t.id).join(', ') || '—'}</td>
                  <td data-label="Result">
                    <ResultBadge result={e.result} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </PagedContent>
      <Pager paged={paged} label="Audit events" />
      <Modal title="Audit event" open={!!open} onClose={() => setOpen(null)}>
        {open && <AuditDetail event={open} />}
      </Modal>
    </section>
  );
}

/** 'EntitlementManagement' → 'Entitlement Management' */
function spaced(category: string): string {
  return category.replace(/([a-z])([A-Z])/g, '$1 $2');
}

function ResultBadge({ result }: { result: string }) {
  const tone = result === 'success' ? 'good' : result === 'failure' ? 'bad' : 'warn';
  return <span className={`badge ${tone}`}>{result.charAt(0).toUpperCase() + result.slice(1)}</span>;
}

function AuditDetail({ event: e }: { event: AuditEvent }) {
  const props = e.targetResources.flatMap((t) => t.modifiedProperties);
  return (
    <div>
      <dl className="props">
        <dt>Activity</dt>
        <dd>{e.activityDisplayName}</dd>
        <dt>Date</dt>
        <dd>{formatDate(e.activityDateTime)}</dd>
        <dt>Category</dt>
        <dd>{spaced(e.category)}</dd>
        <dt>Result</dt>
        <dd>
          <ResultBadge result={e.result} />
        </dd>
        <dt>Initiated by</dt>
        <dd>
          {initiatorOf(e)}
          {e.initiatedBy.user ? '' : ' (system)'}
        </dd>
        {e.targetResources.map((t, i) => (
          <div key={i} className="props-group">
            <dt>Target</dt>
            <dd>
              {t.displayName ?? '—'} <span className="muted">({t.type})</span>
              <br />
              <code>{t.id}</code>
            </dd>
          </div>
        ))}
        <dt>Correlation id</dt>
        <dd>{e.correlationId ? <code>{e.correlationId}</code> : '—'}</dd>
        <dt>Event id</dt>
        <dd>
          <code>{e.id}</code>
        </dd>
      </dl>
      <h3>Modified properties</h3>
      {props.length === 0 ? (
        <Empty>No property changes recorded.</Empty>
      ) : (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Modified properties">
          <table className="responsive lk-table audit-changes">
            <thead>
              <tr>
                <th scope="col">Property</th>
                <th scope="col">Old value</th>
                <th scope="col">New value</th>
              </tr>
            </thead>
            <tbody>
              {props.map((p, i) => (
                <tr key={i}>
                  <td data-label="Property">{p.displayName}</td>
                  <td data-label="Old value">
                    <code>{p.oldValue ?? '—'}</code>
                  </td>
                  <td data-label="New value">
                    <code>{p.newValue ?? '—'}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
