import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

// A real OpenID Connect provider (oidc-provider) in-process on a random port, for sign-in tests. Its
// address exists before its configuration: Latchkey needs the issuer URL to start, and the provider
// needs Latchkey's redirect URI, so the HTTP server listens first and the provider is attached later.

export interface TestProviderAccount {
  /** what the person types into the provider's login form */
  login: string;
  /** claims the provider releases (sub is the login) */
  claims: Record<string, unknown>;
}

export interface TestOidcProvider {
  issuer: string;
  /** attaches the provider with confidential clients (Latchkey servers); until then every request gets 503 */
  configure(clients: { clientId: string; clientSecret: string; redirectUri: string }[], accounts: TestProviderAccount[]): void;
  close(): Promise<void>;
}

export async function startOidcProvider(): Promise<TestOidcProvider> {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server: Server = createServer((req, res) => {
    if (handler) return handler(req, res);
    res.statusCode = 503;
    res.end('not ready');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    issuer,
    configure(clients, accounts) {
      const byLogin = new Map(accounts.map((a) => [a.login, a]));
      const provider = new Provider(issuer, {
        clients: clients.map((client) => ({
          client_id: client.clientId,
          client_secret: client.clientSecret,
          redirect_uris: [client.redirectUri],
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
        })),
        // PKCE for every client, confidential ones included
        pkce: { required: () => true },
        claims: { openid: ['sub'], profile: ['preferred_username', 'name'], email: ['email', 'email_verified'] },
        cookies: { keys: ['latchkey-test-provider-cookie-key'] },
        features: { devInteractions: { enabled: true } },
        async findAccount(_ctx: unknown, id: string) {
          const account = byLogin.get(id);
          if (!account) return undefined;
          return { accountId: id, claims: async () => ({ sub: id, ...account.claims }) };
        },
      });
      handler = provider.callback();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
