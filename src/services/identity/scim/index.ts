import type { ScimContext, ScimDeps } from './context.js';
import type { Page } from '../../../domain/scim/list.js';
import { createScimGroup } from './create-group.js';
import { createScimUser } from './create-user.js';
import { deleteScimGroup } from './delete-group.js';
import { deleteScimUser } from './delete-user.js';
import { getScimGroup } from './get-group.js';
import { getScimUser } from './get-user.js';
import { listScimGroups } from './list-groups.js';
import { listScimUsers } from './list-users.js';
import { patchScimGroup } from './patch-group.js';
import { patchScimUser } from './patch-user.js';
import { replaceScimGroup } from './replace-group.js';
import { replaceScimUser } from './replace-user.js';

export type { ScimContext } from './context.js';

/** The SCIM 2.0 service provider's use cases (api/scim routes call them with the token's identity source). */
export function createScimService(deps: ScimDeps) {
  return {
    getUser: (ctx: ScimContext, id: string) => getScimUser(deps, ctx, id),
    listUsers: (ctx: ScimContext, filter: string | undefined, page: Page) => listScimUsers(deps, ctx, filter, page),
    createUser: (ctx: ScimContext, body: unknown) => createScimUser(deps, ctx, body),
    replaceUser: (ctx: ScimContext, id: string, body: unknown) => replaceScimUser(deps, ctx, id, body),
    patchUser: (ctx: ScimContext, id: string, body: unknown) => patchScimUser(deps, ctx, id, body),
    deleteUser: (ctx: ScimContext, id: string) => deleteScimUser(deps, ctx, id),
    getGroup: (ctx: ScimContext, id: string, withMembers: boolean) => getScimGroup(deps, ctx, id, withMembers),
    listGroups: (ctx: ScimContext, filter: string | undefined, page: Page, withMembers: boolean) => listScimGroups(deps, ctx, filter, page, withMembers),
    createGroup: (ctx: ScimContext, body: unknown) => createScimGroup(deps, ctx, body),
    replaceGroup: (ctx: ScimContext, id: string, body: unknown) => replaceScimGroup(deps, ctx, id, body),
    patchGroup: (ctx: ScimContext, id: string, body: unknown) => patchScimGroup(deps, ctx, id, body),
    deleteGroup: (ctx: ScimContext, id: string) => deleteScimGroup(deps, ctx, id),
  };
}

export type ScimService = ReturnType<typeof createScimService>;
