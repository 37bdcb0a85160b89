/**
 * Dev account tokens for the embedded default (`chatvault serve token --account alice`):
 * HS256 JWTs signed with the vault's own secret. Real deployments verify the app's
 * tokens instead (spec/vault-protocol.md §2).
 */
import { randomBytes } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { SignJWT } from "jose";
import { accountIdProblem } from "@chatvault/vault-protocol";

export interface MintDevTokenOptions {
  /** The HS256 secret the vault is configured with. */
  secret: string;
  /** Account ID (the token's `sub`). */
  account: string;
  /** Lifetime in seconds (default 3600). */
  ttl?: number;
  issuer?: string;
  audience?: string;
  /** Issue time in seconds since the epoch (default: now). Tests use it to mint expired tokens. */
  issuedAt?: number;
}

export async function mintDevToken(o: MintDevTokenOptions): Promise<string> {
  const problem = accountIdProblem(o.account);
  if (problem !== null) throw new TypeError(`account: ${problem}`);
  const ttl = o.ttl ?? 3600;
  if (!Number.isSafeInteger(ttl) || ttl <= 0) throw new RangeError("ttl must be a positive number of seconds");
  const iat = o.issuedAt ?? Math.floor(Date.now() / 1000);
  let jwt = new SignJWT({})
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(o.account)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttl);
  if (o.issuer) jwt = jwt.setIssuer(o.issuer);
  if (o.audience) jwt = jwt.setAudience(o.audience);
  return jwt.sign(new TextEncoder().encode(o.secret));
}

/**
 * Read the dev HS256 secret from `path`, creating it (mode 0600, atomically) if absent.
 * Refuses a file readable by group or others, like the key file.
 */
export function loadOrCreateDevSecret(path: string): string {
  try {
    const st = statSync(path);
    if ((st.mode & 0o077) !== 0) throw new Error(`account-token secret file ${path} must not be readable by group or others (run: chmod 600 ${path})`);
    const s = readFileSync(path, "utf8").trim();
    if (s.length < 43) throw new Error(`account-token secret file ${path} is too short`);
    return s;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  writeFileSync(tmp, `${randomBytes(32).toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
  try {
    linkSync(tmp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  } finally {
    unlinkSync(tmp);
  }
  return readFileSync(path, "utf8").trim();
}
