import { DEMO_DOMAIN } from './seed.js';

// Who to sign in as in the demo, and what each can show. Mirrors the delegation and approvers that
// seed.ts sets up; people not listed here are requestors. The demo sign-in page lists these first.

export interface DemoPersona {
  userPrincipalName: string;
  description: string;
}

const at = (local: string) => `${local}@${DEMO_DOMAIN}`;

export const DEMO_PERSONAS: readonly DemoPersona[] = [
  { userPrincipalName: at('admin'), description: 'Administrator: manages every catalog, package, policy, role and setting' },
  { userPrincipalName: at('grace.hopper'), description: 'Catalog owner: Engineering; approver: Release engineering (first stage)' },
  { userPrincipalName: at('ross.geller'), description: 'Approver: Release engineering (second stage)' },
  { userPrincipalName: at('don.draper'), description: 'Catalog owner: Sales and Marketing; approver: Sales tools for his team' },
  { userPrincipalName: at('mary.wells'), description: 'Access package manager: Sales and Marketing; approver: Marketing site editor, Sales tools for her team' },
  { userPrincipalName: at('janet.yellen'), description: 'Approver: Finance reports (pilot)' },
  { userPrincipalName: at('jen.barber'), description: 'Access package assignment manager: Engineering' },
  { userPrincipalName: at('alan.turing'), description: 'Requestor: engineer (Production read access, Release engineering)' },
  { userPrincipalName: at('peggy.olson'), description: 'Requestor: sales (Sales tools, approved by her manager)' },
  { userPrincipalName: at('david.ogilvy'), description: 'Requestor: marketing (Marketing site editor, Sales tools)' },
  { userPrincipalName: at('gina.guest'), description: 'Guest: contractor' },
];

/** The description of anyone else in the demo directory. */
export function requestorDescription(user: { jobTitle: string | null; department: string | null; userType: string }): string {
  const what = [user.jobTitle, user.department].filter(Boolean).join(', ');
  const kind = user.userType === 'Guest' ? 'Guest' : 'Requestor';
  return what ? `${kind}: ${what}` : kind;
}
