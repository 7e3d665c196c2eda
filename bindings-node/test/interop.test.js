'use strict';
// Interop with jose both ways: tokens it signs verify here, ours verify there.
const test = require('node:test');
const assert = require('node:assert/strict');
const { Verifier } = require('..');
const { TestIssuer } = require('../testing');

const AUD = 'my-api';
const ISS = 'https://issuer.example';

for (const [alg, options] of [
  ['RS256', { modulusLength: 2048 }],
  ['PS384', { modulusLength: 2048 }],
  ['ES256', {}],
  ['ES384', {}],
  ['ES512', {}],
  ['EdDSA', {}],
]) {
  test(`tokens signed by jose with ${alg} verify through its JWK and its PEM`, async () => {
    const jose = await import('jose');
    const { privateKey, publicKey } = await jose.generateKeyPair(alg, { ...options, extractable: true });
    const jwk = { ...(await jose.exportJWK(publicKey)), kid: 'jose-1' };
    const token = await new jose.SignJWT({ sub: 'user-1' })
      .setProtectedHeader({ alg, kid: 'jose-1' })
      .setIssuer(ISS)
      .setAudience(AUD)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey);
    const byJwk = await new Verifier({ jwks: { keys: [jwk] }, issuer: ISS, audience: AUD }).verify(token);
    assert.equal(byJwk.sub, 'user-1');
    const pem = await jose.exportSPKI(publicKey);
    const byPem = await new Verifier({ key: pem, issuer: ISS, audience: AUD }).verify(token);
    assert.deepEqual(byPem, byJwk);
  });
}

for (const alg of ['RS256', 'PS256', 'ES256', 'ES512', 'EdDSA']) {
  test(`TestIssuer ${alg} tokens verify in jose against the served JWKS`, async () => {
    const jose = await import('jose');
    const issuer = new TestIssuer([alg]);
    const token = issuer.mint({ sub: 'user-2', aud: AUD });
    const jwks = jose.createRemoteJWKSet(new URL(issuer.jwksUrl));
    const { payload } = await jose.jwtVerify(token, jwks, { issuer: issuer.url, audience: AUD });
    assert.equal(payload.sub, 'user-2');
    assert.deepEqual(await new Verifier({ jwksUrl: issuer.jwksUrl, audience: AUD }).verify(token), payload);
  });
}
