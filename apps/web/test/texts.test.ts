/**
 * The page's own texts, without a browser: the lock-out explanation follows the policy the
 * vault reports (and the waits the shared constant names, which must be the vault's
 * defaults), and errors never show internals (a storage URL, a class name, a raw message).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { KeyFormatError, parseKey } from "@chatvault/format";
import { RepositoryNotFoundError } from "@chatvault/sdk";
import { StorageUnavailableError } from "@chatvault/storage";
import { DEFAULT_LOCK_SCHEDULE, VaultUnavailableError, WrongPasswordError, describeLockWait, lockWaits } from "@chatvault/vault-protocol";
import { DEFAULT_POLICY } from "@chatvault/vault-server";
import { describeError } from "../src/backup/errors.ts";
import { limitsOf, lockRulesText } from "../src/backup/lock-texts.ts";

test("lock schedule: the shared constant is the vault's default policy", () => {
  for (const k of ["maxAttempts", "failureBudget", "lockBaseMs", "lockFactor", "lockCapMs"] as const) {
    assert.equal(DEFAULT_LOCK_SCHEDULE[k], DEFAULT_POLICY[k], k);
  }
  assert.deepEqual(lockWaits(6).map(describeLockWait), ["1 hour", "4 hours", "16 hours", "64 hours", "7 days", "7 days"]);
});

test("lock texts: the attempt numbers come from the vault's status", () => {
  assert.equal(
    lockRulesText(limitsOf(undefined)),
    "After 5 incorrect passwords in a row you have to wait 1 hour; each further wait is longer (4 hours, 16 hours, … up to 7 days). " +
      "After 20 incorrect passwords in all, the key is destroyed and nobody can restore the backup.",
  );
  const text = lockRulesText(limitsOf({ policy: { maxAttempts: 3, failureBudget: 12 } }));
  assert.match(text, /^After 3 incorrect passwords in a row /);
  assert.match(text, /After 12 incorrect passwords in all, the key is destroyed/);
});

test("errors: the last attempt says what the next wrong password does", () => {
  assert.equal(describeError(new WrongPasswordError(2)), "Incorrect password. 2 attempts left.");
  assert.equal(
    describeError(new WrongPasswordError(1)),
    "Incorrect password. 1 attempt left. If the next password is wrong, you'll have to wait 1 hour before you can try again (longer if it was locked before).",
  );
});

test("errors: no storage URL, class name or raw message reaches the user", () => {
  const url = "http://127.0.0.1:43123/api/storage";
  const texts = [
    describeError(new RepositoryNotFoundError(url)),
    describeError(new StorageUnavailableError(`GET ${url}/config failed`)),
    describeError(new VaultUnavailableError(`fetch ${url} failed: ECONNREFUSED`)),
    describeError(new TypeError("Cannot read properties of undefined (reading 'x')")),
  ];
  for (const t of texts) {
    assert.doesNotMatch(t, /https?:|127\.0\.0\.1|\/api\/|ECONN|TypeError|undefined|Error\b/, t);
  }
  assert.match(texts[0]!, /turned off on another device/);
});

test("errors: a mistyped key is told in plain words", () => {
  const typo = (text: string) => {
    try {
      parseKey(text);
    } catch (e) {
      assert.ok(e instanceof KeyFormatError);
      return describeError(e);
    }
    assert.fail("parsed");
  };
  assert.equal(
    typo(`abcg${"0".repeat(60)}`),
    "The character at position 4 can't be part of the key: a 64-digit key has only the digits 0–9 and the letters a–f. Check it against the key you saved.",
  );
  assert.equal(typo("0".repeat(63)), "That key has 63 digits; a key has 64. Check it against the key you saved.");
  assert.doesNotMatch(typo(`${"0".repeat(10)}\u00a0${"0".repeat(54)}`), /hex digit/);
  // The bad character is never quoted: it may be part of the key (the CLI hides it too).
  assert.doesNotMatch(typo(`abcZ${"0".repeat(60)}`), /Z/);
});
