// The parts of oidc-provider (v9, ships no types) that the sign-in tests use.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';
  export interface AccountClaims { sub: string; [claim: string]: unknown }
  export interface Account { accountId: string; claims(use: string, scope: string): Promise<AccountClaims> }
  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }
}
