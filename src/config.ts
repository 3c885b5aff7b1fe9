// Configuration from flags and environment. Flags win over the environment; the defaults run an
// embedded SQLite database in ./data so that `latchkey serve` works with nothing else installed.

export interface Config {
  databaseUrl: string;
  port: number;
  host: string;
  logLevel: string;
  /** largest accepted request body, bytes */
  bodyLimit: number;
  /** requests per minute per caller before 429; 0 turns the limit off */
  rateLimitPerMinute: number;
  demo: boolean;
}

export const DEFAULT_DATABASE_URL = 'sqlite:data/latchkey.db';

export function loadConfig(env: NodeJS.ProcessEnv, flags: Partial<Config> = {}): Config {
  const int = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got '${raw}'`);
    return n;
  };
  return {
    databaseUrl: flags.databaseUrl ?? env.DATABASE_URL ?? DEFAULT_DATABASE_URL,
    port: flags.port ?? int('PORT', 8080),
    host: flags.host ?? env.HOST ?? '127.0.0.1',
    logLevel: flags.logLevel ?? env.LOG_LEVEL ?? 'info',
    bodyLimit: flags.bodyLimit ?? int('BODY_LIMIT_BYTES', 1024 * 1024),
    rateLimitPerMinute: flags.rateLimitPerMinute ?? int('RATE_LIMIT_PER_MINUTE', 6000),
    demo: flags.demo ?? env.LATCHKEY_DEMO === '1',
  };
}
