// Types for the settings the framework adapters share (written by hand; checked by `tsc --strict` on typed/*.ts).
import type { Claims, Header } from './index';

/** What a verified request carries, as `req.auth` (Express) or `request.auth` (Fastify). */
export interface AuthInfo {
  /** The verified claims. */
  claims: Claims;
  /** The protected header that was verified with them. */
  header: Header;
  token: string;
  /** The issuer configuration that accepted the token (a verifier built with `Verifier.anyOf`), else null. */
  issuerConfig: string | null;
}

/** A claim rule: the values at `includes` hold every one of `values`, or the value at `equals` is `value`. */
export type ClaimCheck =
  | {
      /** A claim path: `realm_access.roles`, `https://example.com/roles`, `tenants[].roles[].role_name`. */
      includes: string;
      /** Values the claim must all hold (one string or a list). */
      values: string | string[];
    }
  | {
      /** A claim path, as in `includes`. */
      equals: string;
      /** The value the claim must equal. */
      value: string | number | boolean;
    };

/** Where the token is and what the request must hold: the core's rules, the same in every adapter. */
export interface GateSettings {
  /** Read `Authorization: Bearer <token>`. Default true. */
  header?: boolean;
  /** Read this cookie (a double-quoted value is unquoted; nothing is percent-decoded). Default: none. */
  cookie?: string;
  /** Read this dotted path of a JSON body (only with a JSON Content-Type), e.g. `oauth_token.access_token`. Default: none. */
  jsonPath?: string;
  /** Largest body read for `jsonPath`, in bytes; larger is answered 413. Default 65536. */
  maxBodyBytes?: number;
  /** Let requests without a token through (`auth` undefined); bad tokens are still refused. Default false. */
  optional?: boolean;
  /** Scopes the token must all grant (from `scope` or `scp`). Default: none. */
  scopes?: string[];
  /** Claim checks the token must all pass (403 `claim_check_failed` otherwise). Default: none. */
  claims?: ClaimCheck[];
  /** Redirect a 401 here (302, `next` = the request's path and query). Default: answer 401. */
  loginUrl?: string;
  /** `realm` of the WWW-Authenticate challenge. Default: none. */
  realm?: string;
  /** `Retry-After` of a 503 (keys unavailable), in seconds. Default 30. */
  retryAfter?: number;
}

/** The answer a refused request gets: status, headers and a JSON body (empty for a redirect). */
export interface Answer {
  status: number;
  /** `[name, value]` pairs: `WWW-Authenticate`, `Retry-After`, `Location`. */
  headers: [string, string][];
  /** The stable code: `missing_token`, `invalid_request`, `insufficient_scope`, `claim_check_failed`, `payload_too_large`, `keys_unavailable`, `internal`, or a verifier code (`token_expired`, ...). */
  code: string;
  /** `{"error", "code", "message"}` as JSON text. */
  body: string;
}
