/**
 * Account IDs (spec/vault-protocol.md §2): the one validator every entry point uses —
 * the vault for a token's `sub`, dev-token minting, the repositories, the sealing AAD;
 * the client for its `accountId` option and the `sub` it reads from its token.
 *
 * An account ID is 1–256 UTF-16 code units, well-formed Unicode (no lone surrogate),
 * with no control character (U+0000–U+001F, U+007F). Lone surrogates are refused because
 * they have no UTF-8 encoding: encoders replace them with U+FFFD, so `x\uD800y` and
 * `x\uFFFDy` would become the same bytes in an AAD or a PostgreSQL column.
 */
export const ACCOUNT_ID_MAX_LENGTH = 256;

// A high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Why `s` is not a valid account ID, or null when it is. */
export function accountIdProblem(s: unknown): string | null {
  if (typeof s !== "string") return "account ID must be a string";
  if (s.length < 1 || s.length > ACCOUNT_ID_MAX_LENGTH) return `account ID must be 1–${ACCOUNT_ID_MAX_LENGTH} characters`;
  if (LONE_SURROGATE.test(s)) return "account ID is not well-formed Unicode (lone surrogate)";
  if (CONTROL.test(s)) return "account ID contains a control character";
  return null;
}

export function isValidAccountId(s: unknown): s is string {
  return accountIdProblem(s) === null;
}

/** Throws `TypeError` naming the problem; returns the ID unchanged. */
export function checkAccountId(s: unknown, name = "accountId"): string {
  const p = accountIdProblem(s);
  if (p !== null) throw new TypeError(`${name}: ${p}`);
  return s as string;
}
