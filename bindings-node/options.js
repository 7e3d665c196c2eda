'use strict';
// Verifier options to the JSON the core reads. The names, kinds, defaults and
// docs come from the core's option table; only JS types are checked here (a
// wrong type is a TypeError). The core refuses unknown names, suggesting the
// closest one, and every bad value, in the same words as in Python.
const { load } = require('./native.js');
const { TokenwardError } = require('./errors.js');

const SPECS = new Map(load().optionSpecs().map((spec) => [spec.camel, spec]));

const EXPECTED = {
  string: 'a string',
  strings: 'a string or an array of strings',
  json: 'an object or JSON text',
  bytes: 'a string, Buffer or Uint8Array',
  number: 'a number',
  flag: 'a boolean',
};

function typeName(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

/** One option value to plain JSON of its kind; TypeError for a wrong JS type. */
function convert(name, kind, value) {
  const wrong = () => new TypeError(`tokenward: option ${name} must be ${EXPECTED[kind] ?? kind}; got ${typeName(value)}`);
  switch (kind) {
    case 'string':
      if (typeof value !== 'string') throw wrong();
      return value;
    case 'strings':
      if (typeof value === 'string') return value;
      if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
      throw wrong();
    case 'json':
      if (typeof value === 'string') return value;
      if (typeof value === 'object') return JSON.stringify(value);
      throw wrong();
    case 'bytes':
      if (typeof value === 'string') return Array.from(Buffer.from(value, 'utf8'));
      if (value instanceof Uint8Array) return Array.from(value);
      throw wrong();
    case 'number':
      if (typeof value !== 'number') throw wrong();
      // JSON cannot carry NaN or Infinity to the core, which would refuse them anyway.
      if (!Number.isFinite(value)) throw new TokenwardError(`${name} must be a finite number; got ${value}`, 'ERR_CONFIGURATION');
      return value;
    case 'flag':
      if (typeof value !== 'boolean') throw wrong();
      return value;
    default:
      throw new TypeError(`tokenward: option ${name} has kind ${kind}, which this version of the package cannot convert`);
  }
}

/**
 * `options` as the core's camelCase JSON: known names (a preset's `args`
 * first, then the option table) converted, unknown ones passed on for the
 * core to refuse.
 */
function coreOptions(options, args = []) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError('tokenward: new Verifier(options) needs an options object');
  }
  // No prototype, so a "__proto__" key stays an own member the core can refuse.
  const out = Object.create(null);
  for (const [name, value] of Object.entries(options)) {
    const spec = args.find((arg) => arg.camel === name) ?? SPECS.get(name);
    out[name] = spec === undefined || value === undefined || value === null ? null : convert(name, spec.kind, value);
  }
  return out;
}

module.exports = { coreOptions };
