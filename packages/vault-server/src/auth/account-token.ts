/**
 * Account authentication (spec/vault-protocol.md §2): every request carries
 * `Authorization: Bearer <JWT>` from the app's own auth; `sub` is the account ID. The
 * vault verifies it with `jose` against ONE configured key: an HS256 shared secret, an
 * EdDSA / ES256 public key (PEM), or a local JWKS file. Only the owner spends guesses.
 */
import { webcrypto } from "node:crypto";
import { readFileSync } from "node:fs";
import { createLocalJWKSet, importSPKI, jwtVerify, errors as joseErrors, type JWTVerifyGetKey } from "jose";
import { isValidAccountId } from "@chatvault/vault-protocol";

export type AuthConfig = {
  /** Extra checks, applied whichever key is used. */
  issuer?: string;
  audience?: string;
  /** Allowed clock skew in seconds (default 30). Tokens are checked against the real clock. */
  clockToleranceSec?: number;
} & ({ hs256Secret: string } | { publicKeyPem: string; algorithm: "EdDSA" | "ES256" } | { jwksFile: string });

/** Why a token was refused (logged by code only; never the token). */
export class AccountTokenError extends Error {
  constructor(readonly reason: "missing" | "malformed" | "expired" | "signature" | "claims" | "subject") {
    super(`account token refused: ${reason}`);
    this.name = "AccountTokenError";
  }
}

export type AccountVerifier = ((authorizationHeader: string | undefined) => Promise<string>) & {
  /**
   * The account of a header whose token verified before and has not expired, without a
   * promise (the per-request fast path); `undefined` means "ask the verifier", never "refused".
   */
  cached?: (authorizationHeader: string | undefined) => string | undefined;
};

/** Tokens remembered once verified (least recently used dropped first). */
const MAX_REMEMBERED_TOKENS = 10_000;

const MIN_SECRET_BYTES = 32;

/** Build the verifier once at startup; throws on a bad configuration. */
export async function createAccountVerifier(config: AuthConfig): Promise<AccountVerifier> {
  let key: Uint8Array | CryptoKey | JWTVerifyGetKey;
  let algorithms: string[];
  if ("hs256Secret" in config) {
    const bytes = new TextEncoder().encode(config.hs256Secret);
    if (bytes.length < MIN_SECRET_BYTES) throw new RangeError(`the HS256 account-token secret must be at least ${MIN_SECRET_BYTES} bytes`);
    // Imported once: handed raw bytes, jose would import the key again for every token.
    key = await webcrypto.subtle.importKey("raw", bytes, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    algorithms = ["HS256"];
  } else if ("publicKeyPem" in config) {
    key = await importSPKI(config.publicKeyPem, config.algorithm);
    algorithms = [config.algorithm];
  } else {
    key = createLocalJWKSet(JSON.parse(readFileSync(config.jwksFile, "utf8")));
    algorithms = ["EdDSA", "ES256"];
  }
  const options = {
    algorithms,
    clockTolerance: config.clockToleranceSec ?? 30,
    requiredClaims: ["sub", "exp"],
    ...(config.issuer ? { issuer: config.issuer } : {}),
    ...(config.audience ? { audience: config.audience } : {}),
  };
  // A token that verified once is remembered until it expires: the same bytes always verify
  // the same way, and a client sends its token on every request (two per login). The key is
  // the token as sent (it is in memory with every request anyway; never logged).
  const verified = new Map<string, { sub: string; expMs: number }>();
  const tolerance = (config.clockToleranceSec ?? 30) * 1000;
  const tokenOf = (header: string): string => {
    const m = header.length > 8192 ? null : /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(header);
    if (!m) throw new AccountTokenError("malformed");
    return m[1]!;
  };
  const remembered = (header: string | undefined): string | undefined => {
    if (!header) return undefined;
    const hit = verified.get(header);
    if (!hit) return undefined;
    if (Date.now() < hit.expMs + tolerance) {
      verified.delete(header); // most recently used last
      verified.set(header, hit);
      return hit.sub;
    }
    verified.delete(header);
    return undefined;
  };
  const verify = async (header: string | undefined): Promise<string> => {
    if (!header) throw new AccountTokenError("missing");
    const token = tokenOf(header);
    const hit = remembered(header);
    if (hit !== undefined) return hit;
    let sub: unknown;
    try {
      const r = typeof key === "function" ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options);
      sub = r.payload.sub;
      if (isValidAccountId(sub) && typeof r.payload.exp === "number") {
        if (verified.size >= MAX_REMEMBERED_TOKENS) verified.delete(verified.keys().next().value!);
        verified.set(header, { sub, expMs: r.payload.exp * 1000 });
      }
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) throw new AccountTokenError("expired");
      if (e instanceof joseErrors.JWTClaimValidationFailed) throw new AccountTokenError("claims");
      if (e instanceof joseErrors.JWSSignatureVerificationFailed || e instanceof joseErrors.JWKSNoMatchingKey || e instanceof joseErrors.JOSEAlgNotAllowed) {
        throw new AccountTokenError("signature");
      }
      throw new AccountTokenError("malformed");
    }
    if (!isValidAccountId(sub)) throw new AccountTokenError("subject");
    return sub;
  };
  return Object.assign(verify, { cached: remembered });
}
