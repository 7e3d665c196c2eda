// Typed usage of tokenward/fastify, compiled with `tsc --strict` (make lint).
import Fastify from 'fastify';
import { Verifier, type Claims } from '..';
import tokenward, { type AuthInfo, type TokenwardPluginOptions } from '../fastify';
import { TestIssuer } from '../testing';

async function main(): Promise<void> {
  const issuer = new TestIssuer();
  const verifier = new Verifier({ jwksUrl: issuer.jwksUrl, issuer: issuer.url, audience: 'my-api' });
  const app = Fastify();
  const options: TokenwardPluginOptions = { verifier, realm: 'api', retryAfter: 30 };
  await app.register(tokenward, options);

  app.get('/me', { config: { tokenward: true } }, async (request) => {
    const auth: AuthInfo | undefined = request.auth;
    const claims: Claims | undefined = auth?.claims;
    return { sub: claims?.sub ?? null, alg: auth?.header.alg ?? null };
  });
  app.post(
    '/login',
    { config: { tokenward: { header: false, jsonPath: 'oauth_token.access_token', maxBodyBytes: 65536 } } },
    async (request) => ({ token: request.auth?.token }),
  );
  app.get(
    '/admin',
    {
      config: {
        tokenward: {
          scopes: ['admin'],
          claims: [
            { includes: 'realm_access.roles', values: ['admin'] },
            { equals: 'org', value: 'acme' },
          ],
        },
      },
    },
    async (request) => request.auth?.claims ?? {},
  );
  app.get('/maybe', { config: { tokenward: { optional: true, cookie: 'session', loginUrl: '/signin' } } }, async () => 'ok');
  app.get('/open', { config: { tokenward: false } }, async () => 'open');
  await app.close();
}

void main;
