/**
 * Session tokens (spec/vault-protocol.md §6.4): proof that this account's login succeeded
 * moments ago, required to replace or delete the record. Stateless, so any node accepts
 * a token another node issued:
 *
 *   token = "v2." ‖ b64url(JSON {r: recordId, v: recordVersion, l: loginId, e: expiresAt}) ‖ "." ‖ b64url(mac)
 *   mac   = HMAC-SHA256(sessionKey, SERVER_LABELS.sessionTokenMac ‖ 0x00 ‖ u32be(len(account)) ‖ account ‖ payload)
 *
 * The account is bound by the MAC, not carried: a token is only valid with the same JWT
 * subject. It is bound to the record's random, never reused ID and to its version, so it
 * dies when the record changes — and a deleted and re-enabled record, whose version may
 * repeat, is a different record (spec §6.4).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { SERVER_LABELS } from "../labels.ts";
import { encodeAad, type RecordCrypto } from "../sealing/record-crypto.ts";

export interface SessionClaims {
  recordId: string;
  recordVersion: number;
  loginId: string;
  expiresAt: number;
}

function mac(crypto: RecordCrypto, accountId: string, payload: string): Buffer {
  return createHmac("sha256", crypto.unsafeSessionTokenKey())
    .update(encodeAad(SERVER_LABELS.sessionTokenMac, [accountId]))
    .update(payload)
    .digest();
}

export function issueSessionToken(crypto: RecordCrypto, accountId: string, claims: SessionClaims): string {
  const payload = Buffer.from(JSON.stringify({ r: claims.recordId, v: claims.recordVersion, l: claims.loginId, e: claims.expiresAt })).toString("base64url");
  return `v2.${payload}.${mac(crypto, accountId, payload).toString("base64url")}`;
}

/** Returns the claims, or null if the token is forged, for another account, or expired at `now`. */
export function verifySessionToken(crypto: RecordCrypto, accountId: string, token: string, now: number): SessionClaims | null {
  const parts = token.split(".");
  if (parts.length !== 3 || parts[0] !== "v2") return null;
  const [, payload, tag] = parts as [string, string, string];
  const expected = mac(crypto, accountId, payload);
  const given = Buffer.from(tag, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let c: { r?: unknown; v?: unknown; l?: unknown; e?: unknown };
  try {
    c = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    return null;
  }
  if (typeof c.r !== "string" || !Number.isSafeInteger(c.v) || typeof c.l !== "string" || !Number.isSafeInteger(c.e)) return null;
  if (now >= (c.e as number)) return null;
  return { recordId: c.r, recordVersion: c.v as number, loginId: c.l, expiresAt: c.e as number };
}
