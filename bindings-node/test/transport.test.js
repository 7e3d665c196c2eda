'use strict';
// How key sets are reached from Node: the CAs trusted over TLS (caFile,
// caOnly) and proxies (the proxy option and HTTPS_PROXY), against a
// TestIssuer serving https with its own CA and a CONNECT proxy run by the test.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { execFile } = require('node:child_process');
const { Verifier } = require('..');
const { TestIssuer } = require('../testing.js');

const AUD = 'my-api';
const token = (issuer) => issuer.mint({ sub: 'user-1', aud: AUD });

const DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenward-transport-'));
process.on('exit', () => fs.rmSync(DIR, { recursive: true, force: true }));
let files = 0;

/** The issuer's CA written to a fresh temporary file. */
function caFileOf(issuer) {
  const file = path.join(DIR, `ca-${(files += 1)}.pem`);
  fs.writeFileSync(file, issuer.caPem);
  return file;
}

/** Tunnels `CONNECT host:port` requests and records their targets. */
async function connectProxy() {
  const targets = [];
  const server = net.createServer((client) => {
    let head = Buffer.alloc(0);
    const onData = (chunk) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      client.off('data', onData);
      const [method, target] = head.subarray(0, end).toString('latin1').split(' ');
      if (method !== 'CONNECT') {
        client.end('HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      targets.push(target);
      const colon = target.lastIndexOf(':');
      const upstream = net.connect(Number(target.slice(colon + 1)), target.slice(0, colon), () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        const rest = head.subarray(end + 4);
        if (rest.length) upstream.write(rest);
        client.pipe(upstream).pipe(client);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    };
    client.on('data', onData);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, targets, close: () => server.close() };
}

test('TestIssuer serves https with a CA of its own', () => {
  const issuer = new TestIssuer(['ES256'], { tls: true });
  assert.match(issuer.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  assert.match(issuer.caPem, /^-----BEGIN CERTIFICATE-----/);
  assert.equal(new TestIssuer().caPem, null);
});

test('keys come over TLS from a server whose CA is in caFile', async () => {
  const issuer = new TestIssuer(['ES256'], { tls: true });
  const verifier = new Verifier({ jwksUrl: issuer.jwksUrl, audience: AUD, caFile: caFileOf(issuer) });
  assert.equal((await verifier.verify(token(issuer))).sub, 'user-1');
});

test('an untrusted certificate is ERR_JWKS_FETCH_FAILED naming the problem', async () => {
  const issuer = new TestIssuer(['ES256'], { tls: true });
  const verifier = new Verifier({ jwksUrl: issuer.jwksUrl, audience: AUD });
  await assert.rejects(verifier.verify(token(issuer)), {
    code: 'ERR_JWKS_FETCH_FAILED',
    message: /invalid peer certificate: UnknownIssuer/,
  });
});

test('caOnly with an unrelated CA refuses the server', async () => {
  const issuer = new TestIssuer(['ES256'], { tls: true });
  const unrelated = caFileOf(new TestIssuer(['ES256'], { tls: true }));
  const verifier = new Verifier({ jwksUrl: issuer.jwksUrl, audience: AUD, caFile: unrelated, caOnly: true });
  await assert.rejects(verifier.verify(token(issuer)), { code: 'ERR_JWKS_FETCH_FAILED', message: /UnknownIssuer/ });
});

test('a caFile that cannot be read is ERR_CONFIGURATION naming it', () => {
  const missing = path.join(os.tmpdir(), 'tokenward-no-such-bundle.pem');
  assert.throws(() => new Verifier({ jwksUrl: 'https://127.0.0.1:1/jwks', caFile: missing }), {
    code: 'ERR_CONFIGURATION',
    message: /tokenward-no-such-bundle\.pem/,
  });
});

test('the proxy option tunnels the fetch', async (t) => {
  const issuer = new TestIssuer(['ES256'], { tls: true });
  const proxy = await connectProxy();
  t.after(proxy.close);
  const verifier = new Verifier({ jwksUrl: issuer.jwksUrl, audience: AUD, caFile: caFileOf(issuer), proxy: proxy.url });
  assert.equal((await verifier.verify(token(issuer))).sub, 'user-1');
  assert.deepEqual(proxy.targets, [issuer.url.replace('https://', '')]);
});

test('HTTPS_PROXY from the environment tunnels the fetch (in a child process: the environment is process-wide)', async (t) => {
  const issuer = new TestIssuer(['ES256'], { tls: true });
  const proxy = await connectProxy();
  t.after(proxy.close);
  const env = { ...process.env, HTTPS_PROXY: proxy.url };
  for (const name of ['NO_PROXY', 'no_proxy', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy']) {
    delete env[name];
  }
  const child = `
    const { Verifier } = require(${JSON.stringify(path.join(__dirname, '..'))});
    const [jwksUrl, caFile, token] = process.argv.slice(1);
    new Verifier({ jwksUrl, caFile, audience: 'my-api' }).verify(token).then((c) => console.log(c.sub));
  `;
  const stdout = await new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', child, issuer.jwksUrl, caFileOf(issuer), token(issuer)], { env }, (err, out, stderr) =>
      err ? reject(new Error(stderr || err.message)) : resolve(out),
    );
  });
  assert.equal(stdout.trim(), 'user-1');
  assert.equal(proxy.targets.length, 1);
});
