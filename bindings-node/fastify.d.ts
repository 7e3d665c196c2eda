// Types for tokenward/fastify (written by hand; checked by `tsc --strict` on typed/fastify.ts).
import type { FastifyPluginCallback } from 'fastify';
import type { Verifier } from './index';
import type { Answer, AuthInfo, ClaimCheck, GateSettings } from './gate';

export type { Answer, AuthInfo, ClaimCheck, GateSettings };

/** A route's `config.tokenward`: the plugin's settings, or these merged over them. */
export interface TokenwardRouteSettings extends GateSettings {
  /** This route's Verifier. Default: the plugin's. */
  verifier?: Verifier;
}

export interface TokenwardPluginOptions extends GateSettings {
  /** The Verifier of the routes that name none. */
  verifier?: Verifier;
  /** Protect every route of the plugin's scope and its children, declared before or after it, unless `config.tokenward` is false. Default false. */
  all?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by tokenward on protected routes; undefined on optional routes without a token. */
    auth?: AuthInfo;
  }
  interface FastifyContextConfig {
    /** Protect this route: `true` (the plugin's settings), settings merged over them, or `false`. */
    tokenward?: boolean | TokenwardRouteSettings;
  }
}

declare const tokenward: FastifyPluginCallback<TokenwardPluginOptions>;
export default tokenward;
export { tokenward };
