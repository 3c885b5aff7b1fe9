import { useId, useState } from 'react';
import { formatDate } from '../../components/ui';
import type { AssignmentRequest } from './types';

/** "N fulfilment errors" as a button that shows the list (resource, role, message, retries). */
export function FulfillmentErrors({ request }: { request: AssignmentRequest }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  const errors = request.fulfillmentErrors ?? [];
  const count = request.fulfillmentErrorCount ?? 0;
  if (errors.length === 0) return <p className="muted">No fulfilment errors.</p>;
  return (
    <div className="fulfillment-errors">
      <button type="button" className="link" aria-expanded={open} aria-controls={id} onClick={() => setOpen((o) => !o)}>
        {count} fulfilment error{count === 1 ? '' : 's'}
        {errors.length > count ? ` (${errors.length - count} being retried)` : ''}
      </button>
      <ul id={id} hidden={!open}>
        {errors.map((e, i) => (
          <li key={i}>
            <strong>{e.resource}</strong> — {e.role}: {e.message}
            <span className="muted small">
              {' '}· {e.attempts} attempt{e.attempts === 1 ? '' : 's'}{e.willRetryAt ? ` · next try ${formatDate(e.willRetryAt)}` : ' · no more retries'}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
