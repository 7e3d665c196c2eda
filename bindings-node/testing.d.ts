// Types for tokenward/testing (written by hand; checked by `tsc --strict` on typed/usage.ts).
import type { Algorithm } from './index';

export interface MintOptions {
  /** Header members merged over `alg`, `typ` and `kid`; `null` removes one. */
  header?: Record<string, unknown>;
  /** Sign with this key. Default: the newest. */
  kid?: string;
  /** Put this `alg` in the header and sign as it (confusion tests). */
  alg?: Algorithm;
}

/** How the JWKS endpoint answers from now on; times in seconds. */
export interface Behavior {
  delay?: number;
  status?: number;
  body?: string;
  dropConnection?: boolean;
  cacheControl?: string;
  etag?: boolean;
  redirectTo?: string;
  discoveryIssuer?: string;
  discoveryJwksUri?: string;
}

export interface TestIssuerOptions {
  /** Serve https with a certificate from a CA of the issuer's own (`caPem`). Default: false. */
  tls?: boolean;
}

/** A local issuer: real keys, JWKS and discovery on 127.0.0.1, token minting. */
export declare class TestIssuer {
  /** One key per algorithm (the last signs). Default: one ES256 key. */
  constructor(algorithms?: Algorithm[], options?: TestIssuerOptions);
  /** `http://127.0.0.1:PORT` (`https://` with `tls: true`), also the `iss` of minted tokens. */
  readonly url: string;
  /** With `tls: true`, the PEM certificate of the issuer's CA (write it to a file for `caFile`); null over http. */
  readonly caPem: string | null;
  readonly jwksUrl: string;
  readonly discoveryUrl: string;
  /** The same keys as an X.509 certificate map, `{kid: PEM certificate}` (RSA and EC keys only). */
  readonly x509Url: string;
  readonly kids: string[];
  readonly jwksRequests: number;
  jwks(): { keys: Record<string, unknown>[] };
  publicKeyPem(kid: string): string | null;
  addKey(alg: Algorithm): string;
  removeKey(kid: string): void;
  rotate(alg: Algorithm): string;
  /** Claims merge over `iss`, `iat` and `exp` (now + 600); `null` removes one. */
  mint(claims?: Record<string, unknown>, options?: MintOptions): string;
  /** Each call starts from the defaults; no argument restores them. */
  setBehavior(behavior?: Behavior): void;
  requests(path: string): number;
}
