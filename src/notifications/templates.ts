// Plain-text email templates (reference §1.14): what approvers and requestors are told, and when.
// Pure: no I/O, no clock. Emails are rendered when they are queued, so the outbox holds exactly the
// text that is (or will be) sent and administrators can read it through the outbox API.
//
// Everything a user typed (names, justification, answers) is cleaned of control characters before
// it reaches a subject or a body: a subject is one line (a newline there would start a new mail
// header), a body keeps line breaks but nothing else invisible. Nothing is HTML-escaped because
// nothing is HTML. Templates never include tokens or secrets: only what the core passes in `data`.

import { DEFAULT_PUBLIC_URL } from '../config.js';

export type TemplateName =
  | 'approvalRequired'
  | 'approvalEscalated'
  | 'requestApproved'
  | 'requestDenied'
  | 'requestTimedOut'
  | 'accessDelivered'
  | 'expiresIn14Days'
  | 'expiresIn1Day'
  | 'accessEnded'
  | 'accessRemovalScheduled'
  | 'stageCompleted';

export const TEMPLATE_NAMES: readonly TemplateName[] = [
  'approvalRequired', 'approvalEscalated', 'requestApproved', 'requestDenied', 'requestTimedOut',
  'accessDelivered', 'expiresIn14Days', 'expiresIn1Day', 'accessEnded', 'accessRemovalScheduled', 'stageCompleted',
];

export interface Rendered {
  subject: string;
  text: string;
}

export interface RenderOptions {
  /** base of the links in emails (config PUBLIC_URL) */
  publicUrl?: string;
}

/**
 * What the core passes. All optional: a line whose value is missing is left out.
 * - packageName, requestorName, targetName: who asked for what, for whom
 * - justification, answers ({question, answer}[]): what the requestor wrote
 * - deadline: when the approval stage is denied automatically (approver emails)
 * - startDateTime, endDateTime: the requested or granted schedule
 * - link: absolute URL, or a path resolved against the public URL; when absent the link is built
 *   from requestId / approvalId / assignmentId (see myAccessLink)
 * - approverJustification, approverName: the decision's reason and who made it
 * - reason: why the request or access ended (timeout, expiry, removal)
 * - result ('approved' | 'denied' | 'timedOut'), stage, stageCount: stageCompleted emails to a stage's approvers
 * - canExtend: false when the policy does not let the assignee extend (expiry reminders then say whom to ask)
 * - extension: true when the request extends existing access (approver emails then say so, and until when)
 * - extendFrom: when the extension window opens, if it is not open yet (expiry reminders then say from when)
 */
export type TemplateData = Record<string, unknown>;

const MAX_FIELD = 4000;

/** A single line of user text: every control or invisible formatting character becomes a space. */
export function cleanLine(v: unknown): string {
  if (v === null || v === undefined) return '';
  // C0/C1 controls (incl. CR/LF), DEL, bidi overrides/isolates, line/paragraph separators, BOM
  // eslint-disable-next-line no-control-regex
  const s = String(v).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g, ' ');
  return s.replace(/ {2,}/g, ' ').trim().slice(0, MAX_FIELD);
}

/** Multi-line user text: line breaks and tabs are kept (normalised to \n), other controls dropped. */
export function cleanText(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v)
    .replace(/\r\n?/g, '\n')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g, '');
  return s.trim().slice(0, MAX_FIELD);
}

/** '2026-03-01T12:00:00.000Z' → '2026-03-01 12:00 UTC'; anything that is not a date is shown cleaned, as given. */
export function formatDateTime(v: unknown): string {
  if (v === null || v === undefined || v === '') return '';
  const d = v instanceof Date ? v : new Date(String(v));
  if (Number.isNaN(d.getTime())) return cleanLine(v);
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

const trimBase = (base: string | undefined) => (base ?? DEFAULT_PUBLIC_URL).replace(/\/+$/, '');

/** The one place links into My Access are built. */
export function myAccessLink(publicUrl: string | undefined, kind: 'request' | 'approval' | 'access', id: string): string {
  const section = kind === 'request' ? 'requests' : kind === 'approval' ? 'approvals' : 'access';
  return `${trimBase(publicUrl)}/myaccess/${section}/${encodeURIComponent(id)}`;
}

const APPROVER_TEMPLATES: ReadonlySet<TemplateName> = new Set(['approvalRequired', 'approvalEscalated', 'stageCompleted']);
const ASSIGNMENT_TEMPLATES: ReadonlySet<TemplateName> = new Set(['expiresIn14Days', 'expiresIn1Day', 'accessEnded', 'accessDelivered', 'accessRemovalScheduled']);

/** The link an email carries: the given one (absolute, or a path under the public URL), else one built from the ids in `data`. */
export function linkFor(name: TemplateName, data: TemplateData, publicUrl?: string): string {
  const given = typeof data.link === 'string' ? data.link.trim() : '';
  if (/^https?:\/\/[^\s]+$/i.test(given)) return cleanLine(given);
  if (given.startsWith('/') && !given.startsWith('//')) return `${trimBase(publicUrl)}${cleanLine(given).replace(/ /g, '%20')}`;
  const id = (k: string) => (typeof data[k] === 'string' && data[k] !== '' ? (data[k] as string) : undefined);
  const approvalId = id('approvalId') ?? id('requestId');
  if (APPROVER_TEMPLATES.has(name) && approvalId) return myAccessLink(publicUrl, 'approval', approvalId);
  const assignmentId = id('assignmentId');
  if (ASSIGNMENT_TEMPLATES.has(name) && assignmentId) return myAccessLink(publicUrl, 'access', assignmentId);
  const requestId = id('requestId');
  if (requestId) return myAccessLink(publicUrl, 'request', requestId);
  return `${trimBase(publicUrl)}/myaccess`;
}

interface Answer { question: string; answer: string }

function answersOf(v: unknown): Answer[] {
  if (!Array.isArray(v)) return [];
  return v
    .filter((a): a is Record<string, unknown> => typeof a === 'object' && a !== null)
    .map((a) => ({ question: cleanLine(a.question), answer: cleanText(a.answer) }))
    .filter((a) => a.question !== '' || a.answer !== '');
}

/** `label: value` when there is a value, nothing otherwise. Multi-line values are indented under the label. */
function line(label: string, value: string): string[] {
  if (value === '') return [];
  if (!value.includes('\n')) return [`${label}: ${value}`];
  return [`${label}:`, ...value.split('\n').map((l) => `  ${l}`)];
}

function requestDetails(d: ReturnType<typeof fields>): string[] {
  const out = [
    ...line('Access package', d.pkg),
    ...line('Requested by', d.requestor),
    ...(d.target && d.target !== d.requestor ? line('Requested for', d.target) : []),
    ...line('Justification', d.justification),
    ...line('Requested start', d.start),
    ...line('Requested end', d.end),
  ];
  if (d.answers.length > 0) {
    out.push('', 'Answers:');
    for (const a of d.answers) {
      out.push(`- ${a.question || '(question)'}`);
      for (const l of (a.answer || '(no answer)').split('\n')) out.push(`    ${l}`);
    }
  }
  return out;
}

function fields(data: TemplateData) {
  return {
    pkg: cleanLine(data.packageName) || 'an access package',
    requestor: cleanLine(data.requestorName),
    target: cleanLine(data.targetName),
    justification: cleanText(data.justification),
    answers: answersOf(data.answers),
    deadline: formatDateTime(data.deadline),
    start: formatDateTime(data.startDateTime),
    end: formatDateTime(data.endDateTime),
    approverJustification: cleanText(data.approverJustification),
    approverName: cleanLine(data.approverName),
    reason: cleanText(data.reason),
  };
}

const SIGNATURE = ['', '--', 'Sent by Latchkey entitlement management. Please do not reply to this message.'];

function body(lines: string[]): string {
  return `${[...lines, ...SIGNATURE].join('\n')}\n`;
}

/** Renders one email. Subjects are single lines; bodies are plain text with a My Access link. */
export function render(name: TemplateName, data: TemplateData, options: RenderOptions = {}): Rendered {
  const d = fields(data);
  const link = linkFor(name, data, options.publicUrl);
  const by = (date: string) => (date ? ` by ${date}` : '');
  const who = d.target || d.requestor;
  let subject: string;
  let text: string[];
  switch (name) {
    case 'approvalRequired':
      subject = `Action required: Approve or deny ${data.extension ? 'extension of' : 'request for'} ${d.pkg}${by(d.deadline)}`;
      text = [
        data.extension
          ? `${d.requestor || 'Someone'} asks to extend ${d.target && d.target !== d.requestor ? `${d.target}'s` : 'their'} access to ${d.pkg}${d.end ? ` until ${d.end}` : ''}, and you are an approver.`
          : `${d.requestor || 'Someone'} requested access to ${d.pkg}${d.target && d.target !== d.requestor ? ` for ${d.target}` : ''}, and you are an approver.`,
        '',
        ...requestDetails(d),
        '',
        ...(d.deadline ? [`Decide by ${d.deadline}; after that the request is denied automatically.`] : []),
        `Approve or deny: ${link}`,
      ];
      break;
    case 'approvalEscalated':
      subject = `Action required: Forwarded request for ${d.pkg}, approve or deny${by(d.deadline)}`;
      text = [
        `A request for ${d.pkg} has been forwarded to you because its approvers have not decided yet. You are now an approver too.`,
        '',
        ...requestDetails(d),
        '',
        ...(d.deadline ? [`Decide by ${d.deadline}; after that the request is denied automatically.`] : []),
        `Approve or deny: ${link}`,
      ];
      break;
    case 'stageCompleted': {
      const result = cleanLine(data.result).toLowerCase();
      const outcome = result === 'denied' ? 'denied' : result === 'timedout' || result === 'expired' ? 'expired' : 'approved';
      const stage = Number.isInteger(data.stage) && Number.isInteger(data.stageCount) && (data.stageCount as number) > 1
        ? ` (stage ${String(data.stage)} of ${String(data.stageCount)})` : '';
      subject = outcome === 'expired' ? `Request has expired for ${d.pkg}` : `Request ${outcome} for ${d.pkg}`;
      text = [
        outcome === 'expired'
          ? `No approver decided the request for ${d.pkg}${who ? ` (${who})` : ''}${stage} in time, so it has expired. No further action is needed.`
          : `The request for ${d.pkg}${who ? ` (${who})` : ''}${stage} has been ${outcome}${d.approverName ? ` by ${d.approverName}` : ''}. No further action is needed from you.`,
        '',
        ...line('Approver justification', d.approverJustification),
        `Details: ${link}`,
      ];
      break;
    }
    case 'requestApproved':
      subject = `Request approved for ${d.pkg}`;
      text = [
        `Your request for ${d.pkg}${d.target && d.target !== d.requestor ? ` for ${d.target}` : ''} has been approved. Access is being delivered; you will get another email when it is ready.`,
        '',
        ...line('Approver justification', d.approverJustification),
        ...line('Start', d.start),
        ...line('End', d.end),
        `Details: ${link}`,
      ];
      break;
    case 'requestDenied':
      subject = `Request denied to ${d.pkg}`;
      text = [
        `Your request for ${d.pkg}${d.target && d.target !== d.requestor ? ` for ${d.target}` : ''} has been denied.`,
        '',
        ...line('Approver justification', d.approverJustification),
        `Details: ${link}`,
      ];
      break;
    case 'requestTimedOut':
      subject = `Your request has expired for ${d.pkg}`;
      text = [
        `Your request for ${d.pkg} was not approved in time and has expired. You can submit a new request.`,
        '',
        ...line('Reason', d.reason),
        `Details: ${link}`,
      ];
      break;
    case 'accessDelivered':
      subject = `You now have access to ${d.pkg}`;
      text = [
        `${who ? `${who}, you` : 'You'} now have access to ${d.pkg}.`,
        '',
        ...line('Start', d.start),
        ...(d.end ? line('Access ends', d.end) : ['Access does not expire.']),
        `Details: ${link}`,
      ];
      break;
    case 'expiresIn14Days':
    case 'expiresIn1Day': {
      const span = name === 'expiresIn14Days' ? '14 days' : '1 day';
      subject = `Extend access for ${d.pkg}${by(d.end)}`;
      text = [
        `Your access to ${d.pkg} ends in ${span}${d.end ? `, on ${d.end}` : ''}.`,
        ...(data.canExtend === false
          ? ['Its policy does not let you extend it yourself; if you still need it, ask the access package’s managers.', '', `Details: ${link}`]
          : data.extendFrom
            ? [`To keep it, request an extension from ${formatDateTime(data.extendFrom)} (the package’s policy may require approval).`, '', `Extend access: ${link}`]
            : ['To keep it, request an extension before then (the package’s policy may require approval).', '', `Extend access: ${link}`]),
      ];
      break;
    }
    case 'accessRemovalScheduled':
      subject = `Your access to ${d.pkg} will be removed${d.end ? ` on ${d.end}` : ''}`;
      text = [
        `Your access to ${d.pkg} will be removed${d.end ? ` on ${d.end}` : ''}: you no longer meet the requirements of the policy it was given under.`,
        '',
        ...line('Reason', d.reason),
        'If this is a mistake, ask for your group, department or organisation to be corrected before then; access stays if you meet the requirements again in time.',
        `Details: ${link}`,
      ];
      break;
    case 'accessEnded':
      subject = `Access has ended for ${d.pkg}`;
      text = [
        `Your access to ${d.pkg} has ended${d.end ? ` (${d.end})` : ''}.`,
        '',
        ...line('Reason', d.reason),
        `To get access again, submit a new request: ${link}`,
      ];
      break;
    default: {
      const never: never = name;
      throw new Error(`Unknown email template '${String(never)}'`);
    }
  }
  return { subject: cleanLine(subject).slice(0, 250), text: body(text) };
}

export function isTemplateName(v: string): v is TemplateName {
  return (TEMPLATE_NAMES as readonly string[]).includes(v);
}
