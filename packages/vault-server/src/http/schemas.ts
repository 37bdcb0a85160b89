/**
 * JSON schemas of every request body (spec/vault-protocol.md §4). Strict: no unknown
 * fields, no type coercion, exact lengths for OPAQUE messages.
 */
import { DIGEST_PATTERN, FIELD_BYTES, KEY_STRETCHING_LIMITS, SESSION_TOKEN_PATTERN, base64UrlPattern, type FixedField } from "@chatvault/vault-protocol";

const b64 = (f: FixedField) => ({ type: "string", pattern: base64UrlPattern(FIELD_BYTES[f]) }) as const;
const strict = (properties: Record<string, unknown>, optional: Record<string, unknown> = {}) =>
  ({
    type: "object",
    additionalProperties: false,
    required: Object.keys(properties),
    properties: { ...properties, ...optional },
  }) as const;

const keyStretching = strict({
  algorithm: { type: "string", const: "argon2id" },
  memoryKiB: { type: "integer", minimum: KEY_STRETCHING_LIMITS.memoryKiB.min, maximum: KEY_STRETCHING_LIMITS.memoryKiB.max },
  iterations: { type: "integer", minimum: KEY_STRETCHING_LIMITS.iterations.min, maximum: KEY_STRETCHING_LIMITS.iterations.max },
  parallelism: { type: "integer", minimum: KEY_STRETCHING_LIMITS.parallelism.min, maximum: KEY_STRETCHING_LIMITS.parallelism.max },
});
const wrappedRootKey = strict({ nonce: b64("wrapNonce"), ciphertext: b64("wrapCiphertext") });
const recordVersion = { type: "integer", minimum: 1, maximum: 0xffffffff } as const;
const sessionToken = { type: "string", pattern: SESSION_TOKEN_PATTERN } as const;
const recordFields = { registrationRecord: b64("registrationRecord"), wrappedRootKey, recordVersion, keyStretching };
// Optional so that clients older than head proofs keep working (spec §7.1).
const headKeyField = { headPublicKey: b64("headPublicKey") };

export const SCHEMAS = {
  registrationStart: strict({ registrationRequest: b64("registrationRequest") }),
  registrationFinish: strict(recordFields, headKeyField),
  recordReplace: strict({ ...recordFields, sessionToken }, headKeyField),
  headKeyRegister: strict({ sessionToken, ...headKeyField }),
  recordDelete: strict({ sessionToken }),
  loginStart: strict({ startLoginRequest: b64("startLoginRequest") }),
  loginFinish: strict({ loginId: b64("loginId"), finishLoginRequest: b64("finishLoginRequest") }),
  headAdvance: strict(
    { sequence: { type: "integer", minimum: 1, maximum: Number.MAX_SAFE_INTEGER }, digest: { type: "string", pattern: DIGEST_PATTERN } },
    { signature: b64("headSignature") },
  ),
  testClock: strict({ advanceMs: { type: "integer", minimum: 0, maximum: 100 * 365 * 24 * 3600 * 1000 } }),
} as const;
