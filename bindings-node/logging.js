'use strict';
/**
 * tokenward's log events (keys fetched, 304s, skipped JWKS entries, stale
 * keys served, cooldowns, fetch failures), the two ways Node libraries
 * hand them over:
 *
 * - `node:diagnostics_channel`, the convention of Node's own http, undici and
 *   fastify: every event is published on `tokenward:log`, and on the channel
 *   of the part that emitted it (`tokenward:jwks`, `tokenward:keys`). A
 *   channel nobody subscribes to costs nothing, tokenward picks no logging
 *   library for the app, and APM tools subscribe by name.
 * - `setLogger(logger, { level })` for an app that just wants the lines in
 *   its log: a pino-style logger, called as `logger[level](fields, message)`
 *   (pino and bunyan take exactly this; `console` works too).
 *
 * An event: `{ level, target, component, message, fields, text }`, where
 * `level` is 'error' | 'warn' | 'info' | 'debug' | 'trace', `fields` holds
 * the event's data (`url`, `keys`, `skipped`, `kid`, `code`, `reason`...) and
 * `text` is one readable line (`JWKS fetched url=... keys=2 skipped=0`). No
 * event carries a token, a signature or a secret.
 *
 * Events fire on the addon's fetch thread; they reach this thread through a
 * threadsafe function that never keeps the process alive, so they arrive
 * shortly after the operation that caused them, on a later turn of the event
 * loop. The events of the whole process reach every thread that loaded
 * tokenward: set the logger in one.
 */
const diagnosticsChannel = require('node:diagnostics_channel');
const { load } = require('./native.js');

const native = load();

/** Most serious first; a logger set with level L receives L and the ones before it. */
const LEVELS = ['error', 'warn', 'info', 'debug', 'trace'];

const everyEvent = diagnosticsChannel.channel('tokenward:log');
const byComponent = new Map();

let logger = null;
let threshold = LEVELS.indexOf('info');

function channelOf(component) {
  let channel = byComponent.get(component);
  if (channel === undefined) {
    channel = diagnosticsChannel.channel(component === '' ? 'tokenward:log' : `tokenward:${component}`);
    byComponent.set(component, channel);
  }
  return channel;
}

function toLogger(event) {
  const rank = LEVELS.indexOf(event.level);
  if (logger === null || rank < 0 || rank > threshold) return;
  const method = event.level === 'trace' && typeof logger.trace !== 'function' ? 'debug' : event.level;
  if (typeof logger[method] !== 'function') return;
  if (typeof logger.isLevelEnabled === 'function' && !logger.isLevelEnabled(method)) return;
  logger[method]({ target: event.target, ...event.fields }, event.message);
}

/** Called by the addon with each event as JSON text. */
function deliver(json) {
  const event = JSON.parse(json);
  if (everyEvent.hasSubscribers) everyEvent.publish(event);
  const own = channelOf(event.component);
  if (own !== everyEvent && own.hasSubscribers) own.publish(event);
  try {
    toLogger(event);
  } catch (err) {
    // As diagnostics_channel does with a subscriber's error: it surfaces as
    // an uncaught exception, not inside the addon's callback.
    process.nextTick(() => {
      throw err;
    });
  }
}

native.installLogSink(deliver);

/**
 * Sends tokenward's events at `level` (default 'info') and more serious to
 * `logger`, as `logger[level](fields, message)`; `null` stops. A logger with
 * `isLevelEnabled` (pino) is asked first. Returns nothing.
 */
function setLogger(newLogger, options = {}) {
  if (newLogger === null || newLogger === undefined) {
    logger = null;
    return;
  }
  if (typeof newLogger !== 'object' && typeof newLogger !== 'function') {
    throw new TypeError('tokenward: setLogger takes a logger object (pino, console...) or null');
  }
  if (!LEVELS.some((level) => typeof newLogger[level] === 'function')) {
    throw new TypeError(`tokenward: the logger has none of the methods ${LEVELS.join(', ')}`);
  }
  const level = options.level ?? 'info';
  if (!LEVELS.includes(level)) {
    throw new TypeError(`tokenward: level must be one of ${LEVELS.join(', ')}; got ${String(level)}`);
  }
  logger = newLogger;
  threshold = LEVELS.indexOf(level);
}

module.exports = { setLogger };
