'use strict';
/**
 * Fastify plugin: routes that ask for it get through only with a verified
 * token.
 *
 *   const tokenward = require('tokenward/fastify');
 *   app.register(tokenward, { verifier });                   // settings shared by the routes of this scope
 *   app.get('/me', { config: { tokenward: true } }, (request) => request.auth.claims);
 *   app.get('/admin', { config: { tokenward: { scopes: ['admin'] } } }, handler);
 *
 * A route opts in with `config.tokenward` (`true`, or settings merged over
 * the plugin's, `verifier` included); with `all: true` every route does
 * unless it says `tokenward: false`. The rules (where the token is, scopes, claim checks,
 * the answer) are the core's (see gate.js): this plugin collects the
 * request's parts and sends the answer through `reply`. On success
 * `request.auth = { claims, header, token }` (undefined on an optional route
 * without a token).
 *
 * When the token is in the request (header, cookie), the check runs in
 * `onRequest`, before the body is parsed. When it may be in the body
 * (`jsonPath` and a JSON Content-Type), it runs in `preParsing` on the raw
 * bytes (at most `maxBodyBytes` + 1 of them), which are then handed on to
 * Fastify's parser unchanged: a malformed or too deep body is answered as
 * the core says, not by the parser.
 *
 * The hooks belong to the scope and read the route's config at request
 * time, because an `onRoute` hook sees only the routes declared once the
 * plugin has loaded: `app.register(tokenward, ...)` without `await`, then
 * `app.get(...)`, would leave that route open. A route's gate is built once
 * (at its declaration when the plugin has loaded, else at its first
 * request) and looked up afterwards. A route the plugin sees declared
 * without a Verifier is a TypeError then; one it did not see answers 500.
 *
 * Like fastify-plugin, without depending on it: the plugin sets
 * `Symbol.for('skip-override')`, so its hooks and the `auth` request
 * decorator land in the scope that registers it, not in a scope of their
 * own (where they would see no route). Scopes registered beside it stay
 * untouched; its children see it. Not-found answers are not checked.
 */
const { Readable } = require('node:stream');
const { Verifier } = require('./verifier.js');
const { Gate, authenticate, headerLines, readLimited } = require('./gate.js');


function partsOf(request, body) {
  return {
    authorization: headerLines(request.raw, 'authorization'),
    cookie: headerLines(request.raw, 'cookie'),
    contentType: request.headers['content-type'],
    body,
    path: request.raw.url,
  };
}

function send(reply, answer) {
  reply.code(answer.status);
  for (const [name, value] of answer.headers) reply.header(name, value);
  if (answer.body) reply.type('application/json; charset=utf-8').send(answer.body);
  else reply.send();
}

function finish(guard, request, reply, parts, done) {
  authenticate(guard.gate, guard.verifier, parts).then(
    ({ auth, answer }) => {
      if (answer) return send(reply, answer);
      request.auth = auth;
      return done();
    },
    (err) => done(err),
  );
}

/**
 * @param {import('fastify').FastifyInstance} fastify
 * @param {object} options `{ verifier, all, ...settings }`: the gate settings of tokenward/express (`cookie`, `jsonPath`, `scopes`, `claims`, ...).
 */
function tokenward(fastify, options, done) {
  // prefix, logLevel and logSerializers are Fastify's own register options.
  const { verifier, all = false, prefix, logLevel, logSerializers, ...shared } = options ?? {};
  if (verifier !== undefined && !(verifier instanceof Verifier)) {
    return done(new TypeError('tokenward/fastify: register(tokenward, { verifier }) needs a tokenward Verifier'));
  }
  let sharedGate;
  try {
    // Refuses bad shared settings at registration, not at the first request.
    sharedGate = new Gate(shared);
  } catch (err) {
    return done(err);
  }

  // `config.tokenward: true` (or `all`) -> the plugin's gate; settings -> their own, once.
  const whole = { gate: sharedGate, verifier };
  const guards = new WeakMap();
  function guardOf(wanted, url) {
    let guard = wanted === true ? whole : guards.get(wanted);
    if (guard === undefined) {
      if (typeof wanted !== 'object') {
        throw new TypeError(`tokenward/fastify: config.tokenward of the route ${url} must be true, false or settings`);
      }
      const { verifier: chosen = verifier, ...settings } = { ...shared, ...wanted };
      guard = { gate: new Gate(settings), verifier: chosen };
      guards.set(wanted, guard);
    }
    if (!(guard.verifier instanceof Verifier)) {
      throw new TypeError(`tokenward/fastify: the route ${url} needs a tokenward Verifier (in the plugin's options or its config.tokenward)`);
    }
    return guard;
  }

  /** The route's guard, or undefined when it is not protected. */
  function guardFor(request) {
    if (request.is404) return undefined;
    const { config, url } = request.routeOptions;
    const wanted = config.tokenward ?? all;
    return wanted === false ? undefined : guardOf(wanted, url);
  }

  // Per registration, so that two registrations on one route each check once.
  const bodyGuard = Symbol('tokenward body check');

  function onRequest(request, reply, done) {
    let guard;
    try {
      guard = guardFor(request);
    } catch (err) {
      return done(err);
    }
    if (guard === undefined) return done();
    if (guard.gate.wantsBody(request.headers['content-type'])) {
      request[bodyGuard] = guard;
      return done();
    }
    return finish(guard, request, reply, partsOf(request, undefined), done);
  }

  function preParsing(request, reply, payload, done) {
    const guard = request[bodyGuard];
    if (guard === undefined) return done(null, payload);
    readLimited(payload, guard.gate.maxBodyBytes).then(
      (raw) =>
        finish(guard, request, reply, partsOf(request, raw), (err) => {
          if (err) return done(err);
          const again = Readable.from([raw]);
          again.receivedEncodedLength = raw.length;
          return done(null, again);
        }),
      (err) => done(err),
    );
  }

  if (!fastify.hasRequestDecorator('auth')) fastify.decorateRequest('auth', undefined);
  fastify.addHook('onRequest', onRequest);
  fastify.addHook('preParsing', preParsing);
  // Refuses a bad route at its declaration, where the plugin sees it.
  fastify.addHook('onRoute', (route) => {
    const wanted = route.config?.tokenward ?? all;
    if (wanted !== false) guardOf(wanted, route.url);
  });
  return done();
}

tokenward[Symbol.for('skip-override')] = true;
tokenward[Symbol.for('fastify.display-name')] = 'tokenward';
tokenward[Symbol.for('plugin-meta')] = { name: 'tokenward', fastify: '5.x' };

module.exports = tokenward;
module.exports.default = tokenward;
module.exports.tokenward = tokenward;
