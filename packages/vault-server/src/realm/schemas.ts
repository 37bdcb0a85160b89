/**
 * JSON schemas of every realm request body (spec/threshold-vault.md §5). Strict: no
 * unknown fields, no coercion, exact base64url lengths. Checks a schema cannot express
 * (own realm ID, k_i·G == Y_i, valid points) are in `checks.ts`.
 */
import { DIGEST_PATTERN, KEY_STRETCHING_LIMITS, base64UrlPattern } from "@chatvault/vault-protocol";
import { ADMIN_OPS, REALM_FIELD_BYTES, type RealmField } from "./protocol.ts";

const b64 = (f: RealmField) => ({ type: "string", pattern: base64UrlPattern(REALM_FIELD_BYTES[f]) }) as const;
const int = (minimum: number, maximum: number) => ({ type: "integer", minimum, maximum }) as const;
const strict = (properties: Record<string, unknown>, optional: string[] = []) =>
  ({
    type: "object",
    additionalProperties: false,
    required: Object.keys(properties).filter((k) => !optional.includes(k)),
    properties,
  }) as const;

const version = int(1, 0xffffffff);
const L = KEY_STRETCHING_LIMITS;
const ksf = strict({
  memoryKiB: int(L.memoryKiB.min, L.memoryKiB.max),
  iterations: int(L.iterations.min, L.iterations.max),
  parallelism: int(L.parallelism.min, L.parallelism.max),
});
const registration = strict({
  version,
  registrationId: b64("registrationId"),
  shareIndex: int(1, 9),
  threshold: int(1, 9),
  realmCount: int(1, 9),
  realmId: b64("realmId"),
  salt: b64("salt"),
  ksf,
  oprfKeyShare: b64("oprfKeyShare"),
  oprfPublicShare: b64("oprfPublicShare"),
  unlockTag: b64("unlockTag"),
  unlockCheck: b64("unlockCheck"),
  wrapShare: b64("wrapShare"),
  shareTag: b64("shareTag"),
  wrappedRootKey: b64("wrappedRootKey"),
  headPublicKey: b64("headPublicKey"),
  adminPublicKey: b64("adminPublicKey"),
});
const target = strict({ version, registrationId: b64("registrationId") });

export const REALM_SCHEMAS = {
  register: strict({ registration }),
  evaluate: strict({ version, registrationId: b64("registrationId"), blinded: b64("blinded") }),
  start: strict({ version, registrationId: b64("registrationId"), blinded: b64("blinded") }),
  proof: strict({ attemptId: b64("attemptId") }),
  unlock: strict({ attemptId: b64("attemptId"), unlockTag: b64("unlockTag") }),
  admin: strict(
    { op: { type: "string", enum: [...ADMIN_OPS] }, target, registration, issuedAt: int(0, Number.MAX_SAFE_INTEGER), signature: b64("signature") },
    ["registration"],
  ),
  head: strict({ sequence: int(1, Number.MAX_SAFE_INTEGER), digest: { type: "string", pattern: DIGEST_PATTERN }, signature: b64("signature") }),
} as const;
