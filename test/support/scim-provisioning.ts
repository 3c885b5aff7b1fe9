import { ApiClient, type ApiResponse } from './client.js';
import type { TestServer } from './server.js';

/** An identity provider's client of /scim/v2: a provisioning token of its own source, SCIM's media type. */
export class ScimClient {
  readonly http: ApiClient;
  constructor(readonly t: TestServer, readonly token: string, readonly sourceId: string) {
    this.http = new ApiClient(t.url, token);
  }
  private send(method: string, path: string, body?: unknown): Promise<ApiResponse> {
    return this.http.request(method, `/scim/v2${path}`, body, body === undefined ? {} : { 'content-type': 'application/scim+json' });
  }
  get(path: string) { return this.send('GET', path); }
  post(path: string, body: unknown) { return this.send('POST', path, body); }
  put(path: string, body: unknown) { return this.send('PUT', path, body); }
  patch(path: string, body: unknown) { return this.send('PATCH', path, body); }
  delete(path: string) { return this.send('DELETE', path); }
}

/** A provisioning token for a SCIM identity source named `name` (made on first use), as `latchkey token create --scim` makes it. */
export async function provisioningClient(t: TestServer, name: string): Promise<ScimClient> {
  const made = await t.app.services.tokens.createProvisioning(name);
  return new ScimClient(t, made.token, made.identitySource.id);
}

export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const CORE_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const filterQuery = (f: string) => `filter=${encodeURIComponent(f)}`;
