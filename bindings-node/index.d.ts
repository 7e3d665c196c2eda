// Types for the tokenward npm package (written by hand; checked by `tsc --strict` on typed/usage.ts).

/** The claims of a verified token (the JWT payload). */
export interface Claims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  scope?: string;
  scp?: string | string[];
  [claim: string]: unknown;
}

/** The protected header of a token. */
export interface Header {
  alg: string;
  kid?: string;
  typ?: string;
  [member: string]: unknown;
}

/** Every option; exactly one key source (`jwksUrl`, `discover`, `jwks`, `key`, `secret`) is required. Times are in seconds. */
export interface VerifierOptions {
  /** URL of the provider's JWKS: https, or http to a loopback address. */
  jwksUrl?: string;
  /** Issuer URL; the JWKS is found by OpenID Connect discovery, and tokens must carry this `iss` unless `issuer` is set. */
  discover?: string;
  /** A JWKS document, as an object or JSON text. */
  jwks?: string | { keys: object[] };
  /** A PEM public key (RSA, EC P-256/384/521/secp256k1, Ed25519). */
  key?: string | Uint8Array;
  /** An HMAC secret; needs `algorithms` to list HS256/HS384/HS512. */
  secret?: string | Uint8Array;
  /** Accepted `iss` value(s). Default: not checked. */
  issuer?: string | string[];
  /** Accepted `aud` value(s), any-of. Default: none, and a token that carries `aud` is refused. */
  audience?: string | string[];
  /** Accepted `alg` value(s). Default: every asymmetric algorithm. */
  algorithms?: Algorithm | Algorithm[];
  /** Clock skew allowed on `exp`, `nbf` and `iat`, in seconds. Default 30. */
  leeway?: number;
  /** Refuse tokens whose `iat` is older than this many seconds. Default: none. */
  maxAge?: number;
  /** Required header `typ`, e.g. `at+jwt` (case-insensitive, optional `application/`). Default: none. */
  typ?: string;
  /** Claims that must be present. Default `['exp']`; `[]` requires none. */
  requiredClaims?: string | string[];
  /** Larger tokens are refused before decoding, in bytes. Default 16384. */
  maxTokenBytes?: number;
  /** Read `exp`/`nbf`/`iat` above 10^11 as milliseconds. Default false. */
  millisecondTimestamps?: boolean;
  /** Judge time claims at this Unix time in seconds (tests). Default: the system clock. */
  now?: number;
  /** Timeout of one JWKS or discovery request, in seconds. Default 5. */
  timeout?: number;
  /** Key freshness when the response has no `Cache-Control: max-age`, in seconds. Default 600. */
  cacheTtl?: number;
  /** Least time between refetches for unknown `kid`s, and between retries after a failure, in seconds. Default 30. */
  cooldown?: number;
  /** How long expired keys keep working while refreshes fail, in seconds. Default 86400. */
  maxStale?: number;
  /** Largest JWKS or discovery response, in bytes. Default 524288. */
  maxJwksBytes?: number;
}

export type Algorithm =
  | 'RS256' | 'RS384' | 'RS512'
  | 'PS256' | 'PS384' | 'PS512'
  | 'ES256' | 'ES384' | 'ES512' | 'ES256K'
  | 'EdDSA'
  | 'HS256' | 'HS384' | 'HS512';

/** Every stable error code. */
export type ErrorCode =
  | 'ERR_MALFORMED'
  | 'ERR_TOKEN_TOO_LARGE'
  | 'ERR_ALGORITHM_NOT_ALLOWED'
  | 'ERR_UNSUPPORTED_ALGORITHM'
  | 'ERR_KEY_NOT_FOUND'
  | 'ERR_INVALID_SIGNATURE'
  | 'ERR_TOKEN_EXPIRED'
  | 'ERR_NOT_YET_VALID'
  | 'ERR_ISSUED_IN_FUTURE'
  | 'ERR_TOKEN_TOO_OLD'
  | 'ERR_INVALID_ISSUER'
  | 'ERR_INVALID_AUDIENCE'
  | 'ERR_INVALID_TYPE'
  | 'ERR_MISSING_CLAIM'
  | 'ERR_INVALID_CLAIM'
  | 'ERR_UNSUPPORTED_CRITICAL_HEADER'
  | 'ERR_JWKS_NOT_LOADED'
  | 'ERR_JWKS_FETCH_FAILED'
  | 'ERR_JWKS_INVALID'
  | 'ERR_CONFIGURATION';

export declare const ERROR_CODES: readonly ErrorCode[];

/** What tokenward throws or rejects with (besides TypeError for wrong argument types). */
export declare class TokenwardError extends Error {
  /** Stable code; the Express middleware also uses `ERR_MISSING_TOKEN` and `ERR_INSUFFICIENT_SCOPE`. */
  readonly code: ErrorCode | 'ERR_MISSING_TOKEN' | 'ERR_INSUFFICIENT_SCOPE';
  /** The claim that failed (`exp`, `aud`, ...), when one did. */
  readonly claim: string | undefined;
  /** True when the token was refused; false for key or configuration problems. */
  readonly isTokenProblem: boolean;
  /** Set by the Express middleware: the HTTP status it chose. */
  status?: number;
}

/** Key cache counters. */
export interface CacheStats {
  fetches: number;
  notModified: number;
  cacheHits: number;
  staleServes: number;
  cooldownRefusals: number;
  fetchFailures: number;
  lastError: string | null;
  keysLoaded: boolean;
}

/** Verifies tokens against one key source and one set of rules. Build once, share everywhere. */
export declare class Verifier {
  /** @throws {TokenwardError} `ERR_CONFIGURATION` (or `ERR_JWKS_INVALID`) for bad values; TypeError for wrong types. */
  constructor(options: VerifierOptions);
  /** The verified claims; fetches keys when needed. Settles at once when keys are held. */
  verify(token: string): Promise<Claims>;
  /** True for a valid token, false for any token problem; rejects only when keys cannot be had. */
  validate(token: string): Promise<boolean>;
  /** The verified claims with the keys already held; throws `ERR_JWKS_NOT_LOADED` before the first fetch. */
  verifySync(token: string): Claims;
  /** Fetches the key set now. */
  refresh(): Promise<void>;
  stats(): CacheStats;
}

/** The scopes claims grant: `scope` (space-separated) when present, else `scp` (string or array). */
export declare function scopesOf(claims: Claims): string[];

/** Header and claims, parsed as strictly as `verify` does but NOT verified: never trust them. */
export declare function decodeUnverified(token: string): { header: Header; claims: Claims };
