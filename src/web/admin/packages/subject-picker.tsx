import { useEffect, useId, useRef, useState } from 'react';
import { errorMessage } from '../../api/client';
import { searchDirectory } from '../../api/directory';
import { subjectLabel, type PickedSubject, type SubjectKind } from './policy-form';

interface Option {
  subject: PickedSubject;
  detail: string;
}

/** The directory search as picker options: a user is picked as one person, a group as its members. */
async function searchOptions(text: string, kinds: { users: boolean; groups: boolean }, signal: AbortSignal): Promise<Option[]> {
  const found = await searchDirectory(text, [...(kinds.users ? ['user' as const] : []), ...(kinds.groups ? ['group' as const] : [])], signal);
  return found.map((o) =>
    o.kind === 'user'
      ? { subject: { kind: 'singleUser', id: o.id, name: o.displayName ?? o.id }, detail: `User · ${o.userPrincipalName ?? o.mail ?? ''}` }
      : { subject: { kind: 'groupMembers', id: o.id, name: o.displayName ?? o.id }, detail: 'Group (its members)' },
  );
}

const same = (a: PickedSubject, b: PickedSubject) => a.kind === b.kind && (a.id ?? '') === (b.id ?? '') && (a.managerLevel ?? 1) === (b.managerLevel ?? 1);

/**
 * A list of people and groups (and, for approvers, the requestor's manager or sponsors) as removable
 * chips, with a combobox that searches the directory while typing. Arrow keys move through the
 * results, Enter picks, Escape closes.
 */
export function SubjectPicker({ label, value, onChange, users = true, groups = true, relative = false, hint, error }: {
  label: string;
  value: PickedSubject[];
  onChange: (v: PickedSubject[]) => void;
  users?: boolean;
  groups?: boolean;
  /** offer the requestor's manager and sponsors (approver lists) */
  relative?: boolean;
  hint?: string;
  error?: string;
}) {
  const id = useId();
  const [text, setText] = useState('');
  const [options, setOptions] = useState<Option[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const [searching, setSearching] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const t = text.trim();
    if (!t) {
      setOptions([]);
      return;
    }
    const ac = new AbortController();
    const timer = setTimeout(() => {
      setSearching(true);
      searchOptions(t, { users, groups }, ac.signal)
        .then((o) => {
          setOptions(o);
          setActive(0);
          setFailure(null);
          setOpen(true);
        })
        .catch((e) => {
          if (!ac.signal.aborted) setFailure(errorMessage(e));
        })
        .finally(() => {
          if (!ac.signal.aborted) setSearching(false);
        });
    }, 250);
    return () => {
      clearTimeout(timer);
      ac.abort();
    };
  }, [text, users, groups]);

  function add(s: PickedSubject) {
    if (!value.some((v) => same(v, s))) onChange([...value, s]);
    setText('');
    setOptions([]);
    setOpen(false);
    input.current?.focus();
  }

  function onKey(e: React.KeyboardEvent<HTMLInputElement>) {
    if (e.key === 'ArrowDown' && options.length) {
      e.preventDefault();
      setOpen(true);
      setActive((a) => (a + 1) % options.length);
    } else if (e.key === 'ArrowUp' && options.length) {
      e.preventDefault();
      setActive((a) => (a - 1 + options.length) % options.length);
    } else if (e.key === 'Enter') {
      // Enter picks the highlighted result instead of submitting the form
      e.preventDefault();
      if (open && options[active]) add(options[active].subject);
    } else if (e.key === 'Escape' && open) {
      e.preventDefault();
      e.stopPropagation();
      setOpen(false);
    }
  }

  const relatives: PickedSubject[] = relative
    ? [
      { kind: 'requestorManager', managerLevel: 1, name: subjectLabel('requestorManager', 1) },
      { kind: 'requestorManager', managerLevel: 2, name: subjectLabel('requestorManager', 2) },
      ...(['targetUserSponsors', 'internalSponsors', 'externalSponsors'] as SubjectKind[]).map((k) => ({ kind: k, name: subjectLabel(k) })),
    ]
    : [];
  const listId = `${id}-list`;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const what = users && groups ? 'users or groups' : users ? 'users' : 'groups';

  return (
    <div className="field subject-picker">
      <label htmlFor={id}>{label}</label>
      {value.length > 0 && (
        <ul className="chips" aria-label={`${label}: chosen`}>
          {value.map((v) => (
            <li key={`${v.kind}:${v.id ?? ''}:${v.managerLevel ?? ''}`} className="chip">
              <span>{v.name || v.id}</span>
              <span className="muted small"> {v.kind === 'groupMembers' ? '(group)' : v.kind === 'connectedOrganizationMembers' ? '(organization)' : ''}</span>
              <button type="button" className="chip-remove" aria-label={`Remove ${v.name || v.id}`} onClick={() => onChange(value.filter((x) => !same(x, v)))}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="combo">
        <input
          id={id}
          ref={input}
          type="text"
          role="combobox"
          aria-autocomplete="list"
          aria-expanded={open && options.length > 0}
          aria-controls={listId}
          aria-activedescendant={open && options[active] ? `${listId}-${active}` : undefined}
          aria-describedby={[hint ? hintId : '', error ? errorId : ''].filter(Boolean).join(' ') || undefined}
          aria-invalid={error ? true : undefined}
          placeholder={`Search ${what} by name…`}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKey}
          onBlur={() => setTimeout(() => setOpen(false), 150)}
          onFocus={() => options.length && setOpen(true)}
          autoComplete="off"
        />
        <ul id={listId} role="listbox" aria-label={`${label}: search results`} className="combo-list" hidden={!open || options.length === 0}>
          {options.map((o, i) => (
            <li
              key={`${o.subject.kind}:${o.subject.id}`}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'active' : undefined}
              onMouseDown={(e) => {
                e.preventDefault();
                add(o.subject);
              }}
            >
              <span>{o.subject.name}</span> <span className="muted small">{o.detail}</span>
            </li>
          ))}
        </ul>
      </div>
      <span className="muted small" role="status" aria-live="polite">
        {searching ? 'Searching…' : text.trim() && !options.length && !failure ? `No ${what} match “${text.trim()}”.` : ''}
      </span>
      {failure && <small className="field-error">{failure}</small>}
      {relatives.length > 0 && (
        <div className="relative-choices">
          {relatives.map((r) => (
            <button key={`${r.kind}${r.managerLevel ?? ''}`} type="button" className="small-button" onClick={() => add(r)} disabled={value.some((v) => same(v, r))}>
              + {r.name}
            </button>
          ))}
        </div>
      )}
      {hint && <small id={hintId} className="hint">{hint}</small>}
      {error && <small id={errorId} className="field-error">{error}</small>}
    </div>
  );
}
