import { Pool } from 'undici';
import { percentile } from './log.js';

// The load generator: a keep-alive undici pool with `connections` sockets and one request loop per
// socket (a closed loop, like autocannon's default). Every request's latency is kept, so p50/p95/p99 are
// exact rather than bucketed. The HTTP ceiling is measured with this same generator and concurrency.

export interface Req {
  method?: 'GET' | 'POST' | 'PATCH';
  path: string;
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  statuses: Record<string, number>;
  /** first few unexpected answers, for diagnosis */
  errors: string[];
}

export interface LoadOptions {
  url: string;
  connections: number;
  /** stop after this long, ms */
  durationMs?: number;
  /** or after this many requests */
  total?: number;
  /** the i-th request; null ends this loop */
  next: (i: number) => Req | null;
  /** statuses that count as success (others are listed in errors) */
  ok?: (status: number) => boolean;
  onResponse?: (i: number, status: number, body: string) => void;
}

export async function drive(opts: LoadOptions): Promise<LoadResult> {
  const pool = new Pool(opts.url, { connections: opts.connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const errors: string[] = [];
  const ok = opts.ok ?? ((s: number) => s >= 200 && s < 300);
  let counter = 0;
  const t0 = performance.now();
  const deadline = opts.durationMs ? t0 + opts.durationMs : Infinity;
  async function loop(): Promise<void> {
    for (;;) {
      if (performance.now() >= deadline) return;
      const i = counter++;
      if (opts.total !== undefined && i >= opts.total) return;
      const r = opts.next(i);
      if (!r) return;
      const headers: Record<string, string> = { ...(r.headers ?? {}) };
      if (r.token) headers.authorization = `Bearer ${r.token}`;
      let body: string | undefined;
      if (r.body !== undefined) {
        body = JSON.stringify(r.body);
        headers['content-type'] = 'application/json';
      }
      const start = performance.now();
      let status = 0;
      let text: string;
      try {
        const res = await pool.request({ method: r.method ?? 'GET', path: r.path, headers, body });
        status = res.statusCode;
        text = await res.body.text();
      } catch (e) {
        text = (e as Error).message;
      }
      latencies.push(performance.now() - start);
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (!ok(status) && errors.length < 5) errors.push(`${r.method ?? 'GET'} ${r.path} → ${status} ${text.slice(0, 300)}`);
      opts.onResponse?.(i, status, text);
    }
  }
  await Promise.all(Array.from({ length: opts.connections }, loop));
  const seconds = (performance.now() - t0) / 1000;
  await pool.close();
  return {
    requests: latencies.length, seconds, rps: latencies.length / seconds,
    p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), statuses, errors,
  };
}

/** One request, for setup steps. */
export async function call(url: string, r: Req): Promise<{ status: number; body: string }> {
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  if (r.token) headers.authorization = `Bearer ${r.token}`;
  let body: string | undefined;
  if (r.body !== undefined) {
    body = JSON.stringify(r.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(url + r.path, { method: r.method ?? 'GET', headers, body });
  return { status: res.status, body: await res.text() };
}
