import { newId } from '../domain/ids.js';
import type { Db, Tx } from './db.js';
import type { UsersTable } from './schema.js';

export type UserRow = UsersTable;

export interface NewUser {
  id?: string;
  displayName: string;
  userPrincipalName: string;
  mail?: string | null;
  mailNickname?: string | null;
  givenName?: string | null;
  surname?: string | null;
  department?: string | null;
  jobTitle?: string | null;
  managerId?: string | null;
  userType?: 'Member' | 'Guest';
  accountEnabled?: boolean;
  connectedOrganizationId?: string | null;
}

export function newUserRow(u: NewUser, at: string): UserRow {
  return {
    id: u.id ?? newId(),
    displayName: u.displayName,
    userPrincipalName: u.userPrincipalName,
    upnKey: u.userPrincipalName.toLowerCase(),
    mail: u.mail ?? null,
    mailNickname: u.mailNickname ?? null,
    givenName: u.givenName ?? null,
    surname: u.surname ?? null,
    department: u.department ?? null,
    jobTitle: u.jobTitle ?? null,
    managerId: u.managerId ?? null,
    userType: u.userType ?? 'Member',
    accountEnabled: u.accountEnabled === false ? 0 : 1,
    connectedOrganizationId: u.connectedOrganizationId ?? null,
    createdAt: at,
    modifiedAt: at,
    blockedAt: null,
    deleteAfter: null,
    governed: 0,
  };
}

export async function findUserByUpn(db: Db | Tx, upn: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('upnKey', '=', upn.toLowerCase()).executeTakeFirst();
}
