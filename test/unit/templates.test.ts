import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanLine, cleanText, formatDateTime, linkFor, myAccessLink, render, TEMPLATE_NAMES } from '../../src/notifications/templates.js';

const BASE = 'https://access.contoso.example';
const data = {
  packageName: 'Marketing campaigns',
  requestorName: 'Adele Vance',
  targetName: 'Alex Wilber',
  justification: 'Launch of the\nspring campaign',
  answers: [{ question: 'Cost center?', answer: 'CC-42' }, { question: 'Manager', answer: 'Megan' }],
  deadline: '2026-03-15T09:30:00.000Z',
  startDateTime: '2026-03-01T00:00:00.000Z',
  endDateTime: '2026-06-01T00:00:00.000Z',
  approverJustification: 'Fine by me',
  approverName: 'Megan Bowen',
  reason: 'The assignment expired.',
  requestId: 'req-1',
  assignmentId: 'asg-1',
};

describe('email templates', () => {
  it('approval required: requestor, target, justification, answers, schedule, deadline and the approval link', () => {
    const r = render('approvalRequired', data, { publicUrl: BASE });
    assert.equal(r.subject, 'Action required: Approve or deny request for Marketing campaigns by 2026-03-15 09:30 UTC');
    for (const s of ['Adele Vance', 'Alex Wilber', 'Launch of the', '  spring campaign', 'Cost center?', 'CC-42', 'Manager', 'Megan',
      '2026-03-01 00:00 UTC', '2026-06-01 00:00 UTC', 'Decide by 2026-03-15 09:30 UTC', `${BASE}/myaccess/approvals/req-1`]) {
      assert.ok(r.text.includes(s), `body has ${s}:\n${r.text}`);
    }
  });

  it('escalation is a forwarded variant with the same details', () => {
    const r = render('approvalEscalated', data, { publicUrl: BASE });
    assert.match(r.subject, /^Action required: Forwarded request for Marketing campaigns/);
    assert.match(r.text, /forwarded to you/);
    assert.ok(r.text.includes('CC-42') && r.text.includes('Adele Vance') && r.text.includes(`${BASE}/myaccess/approvals/req-1`), 'expected: r.text.includes(\'CC-42\') && r.text.includes(\'Adele Vance\') && r.text.includes(`${BASE}/myaccess/appr');
  });

  it('requestor emails: approved, denied (with the approver justification), timed out, delivered, ended', () => {
    const approved = render('requestApproved', data, { publicUrl: BASE });
    assert.equal(approved.subject, 'Request approved for Marketing campaigns');
    assert.ok(approved.text.includes('Fine by me') && approved.text.includes(`${BASE}/myaccess/requests/req-1`), 'expected: approved.text.includes(\'Fine by me\') && approved.text.includes(`${BASE}/myaccess/requests/req-1`)');
    const denied = render('requestDenied', { ...data, approverJustification: 'Not this quarter' }, { publicUrl: BASE });
    assert.equal(denied.subject, 'Request denied to Marketing campaigns');
    assert.ok(denied.text.includes('Approver justification: Not this quarter'), 'expected: denied.text.includes(\'Approver justification: Not this quarter\')');
    const timedOut = render('requestTimedOut', { ...data, reason: 'No approver decided within 14 days.' }, { publicUrl: BASE });
    assert.equal(timedOut.subject, 'Your request has expired for Marketing campaigns');
    assert.ok(timedOut.text.includes('No approver decided within 14 days.'), 'expected: timedOut.text.includes(\'No approver decided within 14 days.\')');
    const delivered = render('accessDelivered', data, { publicUrl: BASE });
    assert.equal(delivered.subject, 'You now have access to Marketing campaigns');
    assert.ok(delivered.text.includes('Access ends: 2026-06-01 00:00 UTC') && delivered.text.includes(`${BASE}/myaccess/access/asg-1`), 'expected: delivered.text.includes(\'Access ends: 2026-06-01 00:00 UTC\') && delivered.text.includes(`${BASE}/mya');
    assert.ok(render('accessDelivered', { ...data, endDateTime: null }).text.includes('Access does not expire.'), 'expected: render(\'accessDelivered\', { ...data, endDateTime: null }).text.includes(\'Access does not expire.\')');
    const ended = render('accessEnded', data, { publicUrl: BASE });
    assert.equal(ended.subject, 'Access has ended for Marketing campaigns');
    assert.ok(ended.text.includes('The assignment expired.'), 'expected: ended.text.includes(\'The assignment expired.\')');
  });

  it('expiry reminders say when, how long is left and link to extending', () => {
    const in14 = render('expiresIn14Days', data, { publicUrl: BASE });
    assert.equal(in14.subject, 'Extend access for Marketing campaigns by 2026-06-01 00:00 UTC');
    assert.ok(in14.text.includes('ends in 14 days') && in14.text.includes(`Extend access: ${BASE}/myaccess/access/asg-1`), 'expected: in14.text.includes(\'ends in 14 days\') && in14.text.includes(`Extend access: ${BASE}/myaccess/access/');
    const in1 = render('expiresIn1Day', data, { publicUrl: BASE });
    assert.ok(in1.text.includes('ends in 1 day, on 2026-06-01 00:00 UTC'), 'expected: in1.text.includes(\'ends in 1 day, on 2026-06-01 00:00 UTC\')');
    const fixed = render('expiresIn1Day', { ...data, canExtend: false }, { publicUrl: BASE });
    assert.ok(fixed.text.includes('does not let you extend it yourself') && !fixed.text.includes('Extend access:'), 'expected: fixed.text.includes(\'does not let you extend it yourself\') && !fixed.text.includes(\'Extend access:\')');
  });

  it('stage completed tells the stage the outcome', () => {
    assert.equal(render('stageCompleted', { ...data, result: 'approved' }).subject, 'Request approved for Marketing campaigns');
    const denied = render('stageCompleted', { ...data, result: 'denied', stage: 1, stageCount: 2 });
    assert.equal(denied.subject, 'Request denied for Marketing campaigns');
    assert.ok(denied.text.includes('(stage 1 of 2)') && denied.text.includes('by Megan Bowen'), 'expected: denied.text.includes(\'(stage 1 of 2)\') && denied.text.includes(\'by Megan Bowen\')');
    assert.equal(render('stageCompleted', { ...data, result: 'timedOut' }).subject, 'Request has expired for Marketing campaigns');
  });

  it('every template renders with no data at all, a one-line subject and a signature', () => {
    for (const name of TEMPLATE_NAMES) {
      const r = render(name, {});
      assert.ok(r.subject.length > 0 && !/[\r\n]/.test(r.subject), name);
      assert.ok(r.text.includes('Sent by Latchkey'), name);
      assert.ok(!r.text.includes('undefined') && !r.text.includes('null'), `${name}: ${r.text}`);
      assert.ok(r.text.includes('http://127.0.0.1:8080/myaccess'), `${name} links to the default public URL`);
    }
  });

  it('strips control characters from user text; subjects stay one line', () => {
    const evil = {
      ...data,
      packageName: 'Pkg\r\nBcc: victim@example.com',
      requestorName: 'Eve\u0007\u001b[31m\u202eevil',
      justification: 'line one\r\nline two\u0000\u0008 end',
      answers: [{ question: 'Q\nX', answer: 'A\u0001B' }],
    };
    const r = render('approvalRequired', evil);
    assert.equal(r.subject, 'Action required: Approve or deny request for Pkg Bcc: victim@example.com by 2026-03-15 09:30 UTC');
    // eslint-disable-next-line no-control-regex
    assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/.test(r.text), JSON.stringify(r.text));
    assert.ok(r.text.includes('Requested by: Eve [31m evil'), 'expected: r.text.includes(\'Requested by: Eve [31m evil\')');
    assert.ok(r.text.includes('  line one\n  line two end'), 'expected: r.text.includes(\' line one\\n line two end\')');
    assert.ok(r.text.includes('- Q X') && r.text.includes('    AB'), 'expected: r.text.includes(\'- Q X\') && r.text.includes(\' AB\')');
    assert.equal(cleanLine('a\tb\nc'), 'a b c');
    assert.equal(cleanText('a\tb\r\nc\u0000'), 'a\tb\nc');
  });

  it('builds links in one place: given absolute or relative links, else from ids', () => {
    assert.equal(myAccessLink(`${BASE}/`, 'approval', 'a b'), `${BASE}/myaccess/approvals/a%20b`);
    assert.equal(linkFor('requestDenied', { link: '/myaccess/requests/9' }, BASE), `${BASE}/myaccess/requests/9`);
    assert.equal(linkFor('requestDenied', { link: 'https://elsewhere.example/x' }, BASE), 'https://elsewhere.example/x');
    assert.equal(linkFor('requestDenied', { link: 'javascript:alert(1)', requestId: 'r' }, BASE), `${BASE}/myaccess/requests/r`);
    assert.equal(linkFor('approvalRequired', { requestId: 'r', approvalId: 'ap' }, BASE), `${BASE}/myaccess/approvals/ap`);
    assert.equal(linkFor('accessEnded', {}, BASE), `${BASE}/myaccess`);
  });

  it('formats dates in UTC and leaves non-dates readable', () => {
    assert.equal(formatDateTime('2026-01-02T03:04:05.000Z'), '2026-01-02 03:04 UTC');
    assert.equal(formatDateTime('2026-01-02T05:04:05+02:00'), '2026-01-02 03:04 UTC');
    assert.equal(formatDateTime('soon\n'), 'soon');
    assert.equal(formatDateTime(null), '');
  });
});
