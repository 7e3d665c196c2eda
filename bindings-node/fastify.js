'use strict';
/**
 * Fastify plugin: routes that ask for it get through only with a verified
 * token.
 *
 *   const tokenward = require('tokenward/fastify');
 *   app.register(tokenward, { verifier });                   // settings shared by the routes below
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
 * Like fastify-plugin, without depending on it: the plugin sets
 * `Symbol.for('skip-override')`, so its `onRoute` hook and the `auth`
 * request decorator land in the scope that registers it, not in a scope of
 * their own (where they would see no route). Scopes registered beside it stay
 * untouched; its children see it.
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

const CHECKED = Symbol('tokenward checked');

/** The route's two hooks around one gate. */
function hooks(gate, verifier) {
  function finish(request, reply, parts, done) {
    authenticate(gate, verifier, parts).then(
      ({ auth, answer }) => {
        if (answer) return send(reply, answer);
        request.auth = auth;
        return done();
      },
      (err) => done(err),
    );
  }

  function onRequest(request, reply, done) {
    if (gate.wantsBody(request.headers['content-type'])) return done();
    request[CHECKED] = true;
    return finish(request, reply, partsOf(request, undefined), done);
  }

  function preParsing(request, reply, payload, done) {
    if (request[CHECKED]) return done(null, payload);
    readLimited(payload, gate.maxBodyBytes).then(
      (raw) =>
        finish(request, reply, partsOf(request, raw), (err) => {
          if (err) return done(err);
          const again = Readable.from([raw]);
          again.receivedEncodedLength = raw.length;
          return done(null, again);
        }),
      (err) => done(err),
    );
  }

  return { onRequest, preParsing };
}

function appended(existing, hook) {
  if (existing === undefined) return [hook];
  return Array.isArray(existing) ? [hook, ...existing] : [hook, existing];
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
  try {
    // Refuses bad shared settings at registration, not at the first request.
    void new Gate(shared);
  } catch (err) {
    return done(err);
  }
  if (!fastify.hasRequestDecorator('auth')) fastify.decorateRequest('auth', undefined);
  fastify.addHook('onRoute', (route) => {
    const wanted = route.config?.tokenward ?? all;
    if (wanted === false) return;
    const { verifier: chosen = verifier, ...settings } = wanted === true ? shared : { ...shared, ...wanted };
    if (!(chosen instanceof Verifier)) {
      throw new TypeError(`tokenward/fastify: the route ${route.url} needs a tokenward Verifier (in the plugin's options or its config.tokenward)`);
    }
    const { onRequest, preParsing } = hooks(new Gate(settings), chosen);
    route.onRequest = appended(route.onRequest, onRequest);
    route.preParsing = appended(route.preParsing, preParsing);
  });
  return done();
}

tokenward[Symbol.for('skip-override')] = true;
tokenward[Symbol.for('fastify.display-name')] = 'tokenward';
tokenward[Symbol.for('plugin-meta')] = { name: 'tokenward', fastify: '5.x' };

module.exports = tokenward;
module.exports.default = tokenward;
module.exports.tokenward = tokenward;
