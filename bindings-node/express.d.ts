// Types for tokenward/express (written by hand; checked by `tsc --strict` on typed/usage.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Claims, Header, Verifier } from './index';

export interface AuthInfo {
  /** The verified claims. */
  claims: Claims;
  /** The protected header that was verified with them. */
  header: Header;
  token: string;
}

declare global {
  namespace Express {
    interface Request {
      /** Set by tokenward's requireToken; undefined on optional routes without a token. */
      auth?: AuthInfo;
    }
  }
}

export interface RequireTokenOptions {
  /** A tokenward Verifier (anything else is a TypeError). */
  verifier: Verifier;
  /** Read `Authorization: Bearer <token>`. Default true. */
  header?: boolean;
  /** Read this cookie (a double-quoted value is unquoted; nothing is percent-decoded, as in Flask). Default: none. */
  cookie?: string;
  /** Read this dotted path of the JSON body (needs express.json()), e.g. `oauth_token.access_token`. Default: none. */
  jsonPath?: string;
  /** Let requests without a token through (`req.auth` undefined); bad tokens are still refused. Default false. */
  optional?: boolean;
  /** Scopes the token must all have (from `scope` or `scp`). Default: none. */
  scopes?: string[];
  /** Redirect 401s here with `?next=` the original URL. Default: answer 401. */
  loginUrl?: string;
  /** `realm` of the WWW-Authenticate challenge. Default: none. */
  realm?: string;
  /** Call `next(err)` (err.status set) instead of answering. Default false. */
  passErrors?: boolean;
}

type Middleware = (req: any, res: any, next: (err?: unknown) => void) => void;

export declare function requireToken(options: RequireTokenOptions): Middleware;
export declare function tokenFromRequest(req: IncomingMessage & { body?: unknown; cookies?: Record<string, string> }, options: Omit<RequireTokenOptions, 'verifier'>): string | undefined;
export { scopesOf } from "./index";
export type { ServerResponse };
