// Types for tokenward/express (written by hand; checked by `tsc --strict` on typed/usage.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TokenwardError, Verifier } from './index';
import type { Answer, AuthInfo, ClaimCheck, GateSettings } from './gate';

export type { Answer, AuthInfo, ClaimCheck, GateSettings };

declare global {
  namespace Express {
    interface Request {
      /** Set by tokenward's requireToken; undefined on optional routes without a token. */
      auth?: AuthInfo;
    }
  }
}

export interface RequireTokenOptions extends GateSettings {
  /** A tokenward Verifier (anything else is a TypeError). */
  verifier: Verifier;
  /** Call `next(err)` (a TokenwardError with `status` and `answer`) instead of answering. Default false. */
  passErrors?: boolean;
}

/** What `next(err)` receives with `passErrors`. */
export type AnswerError = TokenwardError & { status: number; answer: Answer };

type Middleware = (req: any, res: any, next: (err?: unknown) => void) => void;

export declare function requireToken(options: RequireTokenOptions): Middleware;
export declare function tokenFromRequest(req: IncomingMessage & { body?: unknown }, options?: GateSettings): string | undefined;
export { scopesOf } from "./index";
export type { ServerResponse };
