// Typed usage of the public API, compiled with `tsc --strict` (make lint).
import { registerMetrics } from '../prometheus';
import express from 'express';
import { Verifier, TokenwardError, decodeUnverified, ERROR_CODES, type Claims, type ErrorCode, type TokenCacheStats } from '..';
import { requireToken } from '../express';
import { TestIssuer } from '../testing';

async function main(): Promise<void> {
  const issuer = new TestIssuer(['ES256', 'RS256']);
  const verifier = new Verifier({
    jwksUrl: issuer.jwksUrl,
    issuer: issuer.url,
    audience: ['my-api'],
    algorithms: ['ES256', 'RS256'],
    leeway: 30,
    maxAge: 3600,
    requiredClaims: ['exp', 'sub'],
    timeout: 5,
    cacheTtl: 600,
    cooldown: 30,
    maxStale: 86400,
    maxJwksBytes: 524288,
  });
  const token: string = issuer.mint({ sub: 'u', aud: 'my-api' }, { header: { typ: 'at+jwt' } });
  const claims: Claims = await verifier.verify(token);
  const sub: string | undefined = claims.sub;
  const ok: boolean = await verifier.validate(token);
  const again: Claims = verifier.verifySync(token);
  const fromBytes: Claims = await verifier.verify(Buffer.from(token, 'latin1'));
  const { header } = decodeUnverified(new Uint8Array(Buffer.from(token, 'latin1')));
  const alg: string = header.alg;
  try {
    await verifier.verify('bad');
  } catch (err) {
    if (err instanceof TokenwardError) {
      const code: ErrorCode | 'ERR_MISSING_TOKEN' | 'ERR_INSUFFICIENT_SCOPE' = err.code;
      const claim: string | undefined = err.claim;
      const internal: boolean = code === 'ERR_INTERNAL';
      console.log(code, claim, err.isTokenProblem, internal);
    }
  }
  console.log(sub, ok, again.iss, fromBytes.sub, alg, ERROR_CODES.length, verifier.stats().fetches);
  const hmac = new Verifier({ secret: new Uint8Array(32), algorithms: 'HS256', millisecondTimestamps: true });
  const fromText = new Verifier({ jwks: JSON.stringify(issuer.jwks()) });
  const auth0: Verifier = Verifier.auth0({ domain: 't.auth0.test', audience: ['api'], jwksUrl: issuer.jwksUrl, leeway: 5 });
  const both = Verifier.anyOf({ auth0, local: new Verifier({ jwksUrl: issuer.jwksUrl, issuer: issuer.url }) });
  const detailed = await both.verifyDetailed(issuer.mint({ sub: 'u' }));
  const config: string | null = detailed.issuerConfig;
  console.log(config, detailed.claims.sub, detailed.header.alg);
  const status = await both.warmUp();
  const held: boolean = status.keysHeld && both.status().fresh;
  const snapshot: string = auth0.exportKeys();
  const metrics = registerMetrics(auth0, { registry: { registerMetric: () => undefined }, name: 'api' });
  console.log(held, snapshot.length, metrics.length, both.stats().fetchLatency.count);
  console.log(hmac.stats().keysLoaded, fromText.stats().keysLoaded);
  const tokenCache: TokenCacheStats = verifier.stats().tokenCache;
  const { hits, misses, evictions, invalidations, entries } = tokenCache;
  const uncached = new Verifier({ jwksUrl: issuer.jwksUrl, tokenCacheSize: 0 });
  console.log(hits + misses + evictions + invalidations + entries, uncached.stats().tokenCache.hits);

  const app = express();
  app.use(express.json());
  app.get('/me', requireToken({ verifier, scopes: ['profile'], cookie: 'session' }), (req, res) => {
    res.json({ sub: req.auth?.claims.sub, alg: req.auth?.header.alg, kid: req.auth?.header.kid });
  });
  app.post('/login', requireToken({ verifier, jsonPath: 'oauth_token.access_token', header: false }), (_req, res) => {
    res.status(204).end();
  });
}

void main();
