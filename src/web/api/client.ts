// The web app talks to the same public API as scripts do (Graph paths under /v1.0, Latchkey extras under
// /latchkey/v1). The session cookie signs requests in; the X-Latchkey-Request header on writes is the
// server's CSRF guard (a cross-site form cannot set it).

export const EM = '/v1.0/identityGovernance/entitlementManagement';

/** An error the API answered with, carrying its Graph error code and message for display. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** the field the error names (Graph's error.target), e.g. 'schedule.expiration' */
    readonly target?: string,
  ) {
    super(message);
  }
}

export interface Page<T> {
  value: T[];
  nextLink?: string;
  count?: number;
}

async function errorOf(res: Response): Promise<ApiError> {
  let code = `HTTP${res.status}`;
  let message = res.statusText || `The server answered ${res.status}.`;
  let target: string | undefined;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string; target?: string } };
    if (body.error?.message) message = body.error.message;
    if (body.error?.code) code = body.error.code;
    if (typeof body.error?.target === 'string') target = body.error.target;
  } catch {
    // not JSON: keep the status text
  }
  if (res.status === 401) window.dispatchEvent(new CustomEvent('latchkey:unauthenticated'));
  return new ApiError(res.status, code, message, target);
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

/** Sends a request and returns the parsed JSON body (undefined for 204). Throws ApiError on a 4xx/5xx. */
export async function api<T = unknown>(path: string, opts: RequestOptions = {}): Promise<T> {
  const method = opts.method ?? 'GET';
  const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
  if (method !== 'GET') headers['X-Latchkey-Request'] = '1';
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    credentials: 'same-origin',
    signal: opts.signal,
  });
  if (!res.ok) throw await errorOf(res);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** One page of a Graph collection; pass the previous page's nextLink to get the next one. */
export async function getPage<T>(pathOrNextLink: string, signal?: AbortSignal): Promise<Page<T>> {
  const body = await api<{ value: T[]; '@odata.nextLink'?: string; '@odata.count'?: number }>(relative(pathOrNextLink), { signal });
  return { value: body.value, nextLink: body['@odata.nextLink'], count: body['@odata.count'] };
}

/** Every item of a (small) collection, following nextLinks. Use getPage for lists a person pages through. */
export async function getAll<T>(path: string, signal?: AbortSignal): Promise<T[]> {
  const all: T[] = [];
  let next: string | undefined = path;
  while (next) {
    const page: Page<T> = await getPage<T>(next, signal);
    all.push(...page.value);
    next = page.nextLink;
  }
  return all;
}

/** nextLinks are absolute URLs built from PUBLIC_URL; the browser calls the origin it was loaded from. */
function relative(url: string): string {
  if (url.startsWith('/')) return url;
  const u = new URL(url);
  return u.pathname + u.search;
}

/** Builds a query string from OData options, leaving out empty ones. */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    parts.push(`${encodeURIComponent(k).replace(/%24/g, '$')}=${encodeURIComponent(String(v))}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

/** Quotes a string for an OData $filter literal. */
export function odataString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}
