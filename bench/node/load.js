'use strict';
// End to end: an Express `GET /me` behind tokenward's requireToken, and the
// same app behind jose's createRemoteJWKSet + jwtVerify, each in its own
// process, against one local TestIssuer (same keys, same tokens), driven by
// autocannon over HTTP on 127.0.0.1. Prints req/s, p50/p99 latency, non-2xx
// answers and the ratio tokenward/jose, for ES256 and RS256, with 4,096
// distinct tokens cycled ("uniq") and with one token repeated; and, from
// inside each app, its CPU time per request (all its threads) and how busy
// its event loop was, and how much CPU the rest of the machine took.
//
//   node bench/node/load.js       (after `make node`; autocannon is a devDependency)
//
// Settings, from the environment: LOAD_SECONDS (10), LOAD_ROUNDS (3),
// LOAD_WARMUP_SECONDS (3), LOAD_CONNECTIONS (16), LOAD_TOKENS (4096),
// LOAD_ALGS (ES256,RS256), LOAD_BASELINE=1 (adds "bare", the app with no
// verification), LOAD_APPS (a list among tokenward, jose, bare and inline:
// tokenward's verifySync on the event loop, for comparing the split).
//
// Run by hand: not part of the tests. Every request goes to 127.0.0.1, and
// each run stops after LOAD_SECONDS.
const path = require('node:path');
const { fork } = require('node:child_process');
const { once } = require('node:events');
const { createRequire } = require('node:module');

const pkg = path.join(__dirname, '../../bindings-node');
const need = createRequire(path.join(pkg, 'package.json'));

const AUD = 'my-api';
const SECONDS = Number(process.env.LOAD_SECONDS || 10);
const WARMUP_SECONDS = Number(process.env.LOAD_WARMUP_SECONDS || 3);
const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS || 16);
const TOKENS = Number(process.env.LOAD_TOKENS || 4096);
const ROUNDS = Number(process.env.LOAD_ROUNDS || 3);
const ALGS = (process.env.LOAD_ALGS || 'ES256,RS256').split(',');
const CONTENDERS = process.env.LOAD_APPS ? process.env.LOAD_APPS.split(',') : ['tokenward', 'jose', ...(process.env.LOAD_BASELINE ? ['bare'] : [])];

/** The app of one contender, in a child process: answers the claims of a valid token. */
async function serve(contender, alg, jwksUrl, issuerUrl) {
  const express = need('express');
  const app = express();
  let stats = () => null;
  if (contender === 'tokenward') {
    const { Verifier } = need(pkg);
    const { requireToken } = need(path.join(pkg, 'express.js'));
    const verifier = new Verifier({ jwksUrl, issuer: issuerUrl, audience: AUD, algorithms: [alg] });
    stats = () => verifier.stats().tokenCache;
    app.get('/me', requireToken({ verifier }), (req, res) => res.json(req.auth.claims));
  } else if (contender === 'inline') {
    const { Verifier } = need(pkg);
    const verifier = new Verifier({ jwksUrl, issuer: issuerUrl, audience: AUD, algorithms: [alg] });
    await verifier.refresh();
    stats = () => verifier.stats().tokenCache;
    app.get('/me', (req, res) => {
      try {
        res.json(verifier.verifySync(req.headers.authorization.slice(7)));
      } catch (err) {
        res.status(401).json({ code: err.code });
      }
    });
  } else if (contender === 'bare') {
    const claims = { sub: 'user-0', aud: AUD, iss: issuerUrl, scope: 'openid profile' };
    app.get('/me', (req, res) => res.json(claims));
  } else {
    const { createRemoteJWKSet, jwtVerify } = await import(need.resolve('jose'));
    const keys = createRemoteJWKSet(new URL(jwksUrl));
    app.get('/me', async (req, res) => {
      const header = req.headers.authorization ?? '';
      const token = header.startsWith('Bearer ') ? header.slice(7) : '';
      try {
        const { payload } = await jwtVerify(token, keys, { issuer: issuerUrl, audience: AUD, algorithms: [alg] });
        res.json(payload);
      } catch (err) {
        res.status(401).json({ error: 'invalid_token', code: err.code });
      }
    });
  }
  const server = app.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  const { performance } = require('node:perf_hooks');
  let mark = null;
  process.on('message', (message) => {
    if (message === 'mark') {
      mark = { cpu: process.cpuUsage(), loop: performance.eventLoopUtilization() };
      process.send({ mark: true });
    }
    if (message === 'usage') {
      const cpu = process.cpuUsage(mark.cpu);
      process.send({ usage: { cpuMicros: cpu.user + cpu.system, loop: performance.eventLoopUtilization(mark.loop).utilization } });
    }
    if (message === 'stats') process.send({ stats: stats() });
    if (message === 'stop') server.close(() => process.exit(0));
  });
}

async function start(contender, alg, issuer) {
  const child = fork(__filename, ['serve', contender, alg, issuer.jwksUrl, issuer.url], { stdio: 'inherit' });
  const [message] = await once(child, 'message');
  return { child, port: message.port };
}

async function stop(child) {
  const exited = once(child, 'exit');
  child.send('stop');
  await exited;
}

async function ask(child, what) {
  child.send(what);
  const [message] = await once(child, 'message');
  return message[what];
}

/** One autocannon run against `port`, each request carrying the next token of `tokens`. */
async function drive(port, tokens, seconds) {
  const autocannon = need('autocannon');
  let next = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/me`,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'GET',
        setupRequest(request) {
          const token = tokens[next++ % tokens.length];
          return { ...request, headers: { ...request.headers, authorization: `Bearer ${token}` } };
        },
      },
    ],
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    total: result.requests.total,
    errors: result.errors + result.timeouts,
  };
}

function row(cells, widths) {
  return cells.map((cell, i) => (i < 3 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join(' ');
}

/** The element of `items` whose `key` is the median (the upper one of an even count). */
function median(items, key) {
  return [...items].sort((a, b) => key(a) - key(b))[Math.floor(items.length / 2)];
}

/** Busy CPU time of the whole machine so far, in µs (Linux; 0 elsewhere). */
function machineBusyMicros() {
  let line;
  try {
    line = require('node:fs').readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  } catch {
    return 0;
  }
  // cpu user nice system idle iowait irq softirq steal ...: ticks of 10 ms.
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + (steal || 0)) * 10_000;
}

/** Every app on `tokens`: started once, warmed up, then ROUNDS measured runs each, apps alternating. */
async function compare(alg, issuer, tokens) {
  const apps = {};
  for (const name of CONTENDERS) {
    apps[name] = { ...(await start(name, alg, issuer)), runs: [] };
    await drive(apps[name].port, tokens, WARMUP_SECONDS);
  }
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which app goes first, so drift on the machine is spread over all of them.
    const order = round % 2 === 0 ? CONTENDERS : [...CONTENDERS].reverse();
    for (const name of order) {
      const { child, port, runs } = apps[name];
      const before = await ask(child, 'stats');
      await ask(child, 'mark');
      const busy = machineBusyMicros();
      const own = process.cpuUsage();
      const measured = await drive(port, tokens, SECONDS);
      const ownUsed = process.cpuUsage(own);
      const busyUsed = machineBusyMicros() - busy;
      const usage = await ask(child, 'usage');
      const after = await ask(child, 'stats');
      measured.cpuPerRequest = usage.cpuMicros / measured.total;
      measured.loop = usage.loop;
      // CPU the rest of the machine took meanwhile (neither the app nor autocannon), in cores.
      const others = busyUsed - usage.cpuMicros - ownUsed.user - ownUsed.system;
      measured.others = Math.max(0, others) / (SECONDS * 1e6);
      measured.idle = Math.max(0, require('node:os').cpus().length - busyUsed / (SECONDS * 1e6));
      measured.generatorPerRequest = (ownUsed.user + ownUsed.system) / measured.total;
      if (after) measured.cache = { hits: after.hits - before.hits, misses: after.misses - before.misses };
      runs.push(measured);
    }
  }
  // Round by round, tokenward and jose ran back to back, under much the same
  // load from the rest of the machine: the median of those ratios is the
  // figure least moved by it.
  const paired = apps.tokenward && apps.jose ? apps.tokenward.runs.map((r, i) => r.rps / apps.jose.runs[i].rps) : [];
  const summary = { ratio: paired.length ? median(paired, (x) => x) : NaN, ratios: paired.map((x) => x.toFixed(2)).join('/') };
  for (const name of CONTENDERS) {
    await stop(apps[name].child);
    const { runs } = apps[name];
    const typical = median(runs, (r) => r.rps);
    const cached = runs.filter((r) => r.cache);
    const hits = cached.reduce((n, r) => n + r.cache.hits, 0);
    const lookups = cached.reduce((n, r) => n + r.cache.hits + r.cache.misses, 0);
    summary[name] = {
      ...typical,
      all: runs.map((r) => r.rps.toFixed(0)).join('/'),
      others: runs.map((r) => r.others.toFixed(1)).join('/'),
      idle: runs.map((r) => r.idle.toFixed(1)).join('/'),
      non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
      errors: runs.reduce((n, r) => n + r.errors, 0),
      cache: cached.length ? `${((100 * hits) / Math.max(1, lookups)).toFixed(0)}% hits` : '',
    };
  }
  return summary;
}

async function main() {
  const { TestIssuer } = need(path.join(pkg, 'testing.js'));
  const cpus = require('node:os').cpus();
  console.log(`Express GET /me: tokenward requireToken vs jose jwtVerify + createRemoteJWKSet · Node ${process.version} · ${cpus.length} × ${cpus[0].model}`);
  console.log(
    `autocannon, ${CONNECTIONS} connections; each app in its own process, warmed up ${WARMUP_SECONDS} s, then ${ROUNDS} runs of ` +
      `${SECONDS} s, apps alternating.\nreq/s, p50, p99, CPU and loop busy are from each app's median run; "runs" lists every run, ` +
      '"others" the cores the rest of the machine took meanwhile, "idle" the cores left idle; tokenward/jose is the median\n' +
      'of the round-by-round ratios (listed on the jose row). non-2xx and errors are summed over all runs. CPU = CPU time of ' +
      "the app process (all its threads) per request; gen = autocannon's; loop busy = the app's event-loop utilisation.\n",
  );
  const widths = [6, 11, 10, 7, 26, 20, 20, 7, 7, 7, 7, 25, 7, 7, 10, 16];
  const head = ['alg', 'tokens', 'app', 'req/s', 'runs', 'others', 'idle', 'p50 ms', 'p99 ms', 'non2xx', 'errors', 'tokenward/jose'];
  console.log(row([...head, 'CPU µs', 'gen µs', 'loop busy', 'tokenward cache'], widths));
  for (const alg of ALGS) {
    const issuer = new TestIssuer([alg]);
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const unique = Array.from({ length: TOKENS }, (_, i) => issuer.mint({ sub: `user-${i}`, aud: AUD, scope: 'openid profile', exp }));
    for (const [mix, tokens] of [[`${TOKENS} uniq`, unique], ['1 repeated', unique.slice(0, 1)]]) {
      const results = await compare(alg, issuer, tokens);
      const ratio = Number.isNaN(results.ratio) ? '' : `${results.ratio.toFixed(2)}x`;
      for (const name of CONTENDERS) {
        const r = results[name];
        console.log(row([
          alg, mix, name, r.rps.toFixed(0), r.all, r.others, r.idle, r.p50.toFixed(1), r.p99.toFixed(1), r.non2xx, r.errors,
          name === 'tokenward' ? ratio : name === 'jose' ? results.ratios : '', r.cpuPerRequest.toFixed(0),
          r.generatorPerRequest.toFixed(0), `${(100 * r.loop).toFixed(0)}%`, r.cache,
        ], widths));
      }
    }
  }
}

if (process.argv[2] === 'serve') {
  serve(...process.argv.slice(3)).catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
