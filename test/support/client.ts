export interface ApiResponse<T = any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** A small HTTP client for tests: JSON in, JSON out, never throws on 4xx/5xx. */
export class ApiClient {
  constructor(readonly baseUrl: string, readonly token?: string) {}

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> {
    const h: Record<string, string> = { ...headers };
    if (this.token) h.authorization = `Bearer ${this.token}`;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      h['content-type'] ??= 'application/json';
    }
    const res = await fetch(this.baseUrl + path, { method, headers: h, body: payload });
    const text = await res.text();
    let parsed: unknown = undefined;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  }

  get(path: string, headers?: Record<string, string>) { return this.request('GET', path, undefined, headers); }
  post(path: string, body?: unknown, headers?: Record<string, string>) { return this.request('POST', path, body ?? {}, headers); }
  patch(path: string, body: unknown, headers?: Record<string, string>) { return this.request('PATCH', path, body, headers); }
  put(path: string, body: unknown, headers?: Record<string, string>) { return this.request('PUT', path, body, headers); }
  delete(path: string, headers?: Record<string, string>) { return this.request('DELETE', path, undefined, headers); }
}

export const EM = '/v1.0/identityGovernance/entitlementManagement';
