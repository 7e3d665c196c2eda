'use strict';
// The peers of the Express and Fastify examples for bench/load/run.py: the
// same `GET /me` on the stack an app would otherwise pick, jose's
// createRemoteJWKSet + jwtVerify (ES256, issuer, audience, its defaults:
// 5 s fetch timeout, 30 s cooldown, 10 min cache), then the same SQLite
// lookup (better-sqlite3, a prepared statement) and the same answer as the
// examples, so that both sides of a row differ only in the verification.
//
//   node bench/load/node_peers.js express|fastify
//
// Environment (set by run.py): PORT, DATABASE, TOKENWARD_ISSUER,
// TOKENWARD_AUDIENCE, JWKS_URL.
//
// Express, Fastify and better-sqlite3 are the examples' own installs and jose
// is the one bindings-node pins, so this needs no install of its own.
const path = require('node:path');
const { createRequire } = require('node:module');

const root = path.join(__dirname, '..', '..');
const fromExample = (name) => createRequire(path.join(root, 'examples', name, 'package.json'));
const fromBindings = createRequire(path.join(root, 'bindings-node', 'package.json'));

async function main(framework) {
  const { createRemoteJWKSet, jwtVerify } = await import(fromBindings.resolve('jose'));
  const need = fromExample(framework === 'express' ? 'express-login' : 'fastify-login');
  const Database = need('better-sqlite3');
  const env = process.env;
  const keys = createRemoteJWKSet(new URL(env.JWKS_URL));
  const rules = { issuer: env.TOKENWARD_ISSUER, audience: env.TOKENWARD_AUDIENCE, algorithms: ['ES256'] };
  const userBySubject = new Database(env.DATABASE).prepare('SELECT id, subject, email FROM users WHERE subject = ?');

  /** [status, body] of GET /me for an Authorization header. */
  async function me(authorization) {
    const [scheme, token] = (authorization || '').split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token) return [401, { error: 'invalid_token', code: 'missing_token' }];
    let claims;
    try {
      ({ payload: claims } = await jwtVerify(token, keys, rules));
    } catch (err) {
      return [401, { error: 'invalid_token', code: err.code }];
    }
    const user = userBySubject.get(claims.sub);
    if (!user) return [404, { error: 'unknown_user', code: 'unknown_user', message: 'log in first' }];
    return [200, { user, scopes: typeof claims.scope === 'string' ? claims.scope.split(' ') : [] }];
  }

  const port = Number(env.PORT);
  if (framework === 'express') {
    const app = need('express')();
    app.get('/me', async (req, res) => {
      const [status, body] = await me(req.headers.authorization);
      res.status(status).json(body);
    });
    app.listen(port, '127.0.0.1', () => console.log(`express-jose listening on ${port}`));
  } else {
    const app = need('fastify')();
    app.get('/me', async (request, reply) => {
      const [status, body] = await me(request.headers.authorization);
      return reply.code(status).send(body);
    });
    await app.listen({ port, host: '127.0.0.1' });
    console.log(`fastify-jose listening on ${port}`);
  }
}

main(process.argv[2]).catch((err) => {
  console.error(err);
  process.exit(1);
});
