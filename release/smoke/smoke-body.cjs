// What smoke.cjs and smoke.mjs check, given the modules each loaded its own way.
'use strict';
const path = require('node:path');

function check(condition, what) {
  if (!condition) throw new Error(`smoke: FAILED: ${what}`);
  console.log(`  ok  ${what}`);
}

async function run(how, { tokenward, requireToken, TestIssuer, express, resolved }) {
  const expectedVersion = process.argv[2];
  const project = process.cwd();
  check(resolved.startsWith(path.join(project, 'node_modules')), `${how}: tokenward resolves inside this project (${resolved})`);
  const pkg = require(path.join(project, 'node_modules', 'tokenward', 'package.json'));
  check(pkg.version === expectedVersion, `${how}: tokenward is version ${expectedVersion}`);
  const platformPackage = process.argv[3];
  const native = require(path.join(project, 'node_modules', 'tokenward', 'native.js')).load();
  check(native.panicInjection() === null, `${how}: a release build: no panic-injection`);

  const issuer = new TestIssuer(['ES256', 'RS256']);
  const verifier = new tokenward.Verifier({ jwksUrl: issuer.jwksUrl, issuer: issuer.url, audience: 'my-api' });
  const token = issuer.mint({ sub: 'user-1', aud: 'my-api' });
  check((await verifier.verify(token)).sub === 'user-1', `${how}: a TestIssuer token verifies against its JWKS over HTTP`);
  const addons = Object.keys(require.cache).filter((file) => file.endsWith('.node'));
  check(
    addons.length === 1 && addons[0].startsWith(path.join(project, 'node_modules', platformPackage) + path.sep),
    `${how}: the addon was loaded from ${platformPackage} (${addons.map((f) => path.relative(project, f)).join(', ')})`,
  );
  const [signed, signature] = [token.slice(0, token.lastIndexOf('.')), token.slice(token.lastIndexOf('.') + 1)];
  const forged = `${signed}.${signature.slice(0, 5)}${signature[5] === 'A' ? 'B' : 'A'}${signature.slice(6)}`;
  const refusal = await verifier.verify(forged).then(
    () => null,
    (err) => err,
  );
  check(refusal instanceof tokenward.TokenwardError && refusal.code === 'ERR_INVALID_SIGNATURE', `${how}: a tampered token is refused with ERR_INVALID_SIGNATURE`);

  const app = express();
  app.get('/me', requireToken({ verifier }), (req, res) => res.json({ user: req.auth.claims.sub }));
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  try {
    const url = `http://127.0.0.1:${server.address().port}/me`;
    const refused = await fetch(url);
    check(refused.status === 401 && (refused.headers.get('www-authenticate') ?? '').startsWith('Bearer'), `${how}: Express: no token -> 401 with WWW-Authenticate: Bearer`);
    const answered = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    const body = await answered.json();
    check(answered.status === 200 && body.user === 'user-1', `${how}: Express: a valid token -> 200 with the claims' subject`);
  } finally {
    server.close();
  }
}

module.exports = { run };
