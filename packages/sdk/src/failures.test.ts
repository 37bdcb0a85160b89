import { test } from "node:test";
import assert from "node:assert/strict";
import { IntegrityError, KeyFormatError, parseKey } from "@chatvault/format";
import { ObjectExistsError, StorageUnavailableError } from "@chatvault/storage";
import { LockedError, WrongPasswordError } from "@chatvault/vault-protocol";
import { FAILURES, LocalFileError, RepositoryNotFoundError, StorageFolderMissingError, describeFailure } from "./index.ts";

const keyError = (text: string): unknown => {
  try {
    parseKey(text);
  } catch (e) {
    return e;
  }
  assert.fail("parsed");
};

test("failures: every entry has a category, retry advice and words", () => {
  for (const [code, f] of Object.entries(FAILURES)) {
    assert.ok(f.happened.length > 0 && f.todo.length > 0, code);
    assert.doesNotMatch(`${f.happened} ${f.todo}`, /\.$|^[A-Z]/, `${code}: lower case, no final stop (front ends add them)`);
  }
});

test("failures: a mistyped key gives its position or digit count, never the character", () => {
  const bad = describeFailure(keyError(`abcZ${"0".repeat(60)}`));
  assert.equal(bad.code, "key_format");
  assert.equal(bad.keyPosition, 4);
  const { error: _error, ...facts } = bad;
  assert.doesNotMatch(JSON.stringify(facts), /Z/);
  assert.equal(describeFailure(keyError("0".repeat(63))).keyDigits, 63);
  assert.equal(describeFailure(new KeyFormatError("key text is 2000 characters long; a key is 64 digits")).keyDigits, undefined);
});

test("failures: the order decides — a missing folder is unreachable storage, a last wrong password is destroyed", () => {
  assert.equal(describeFailure(new StorageFolderMissingError("/mnt/backup")).code, "storage_unreachable");
  assert.equal(describeFailure(new RepositoryNotFoundError("/mnt/backup")).code, "repository_not_found");
  assert.deepEqual(
    [new WrongPasswordError(0, { destroyed: true }), new WrongPasswordError(0, { retryAfter: new Date(0) }), new WrongPasswordError(3)].map((e) => {
      const f = describeFailure(e);
      return [f.code, f.byWrongPassword ?? false, f.attemptsRemaining];
    }),
    [
      ["destroyed", true, undefined],
      ["locked", true, undefined],
      ["wrong_password", false, 3],
    ],
  );
  const locked = describeFailure(new LockedError(new Date(5000)));
  assert.equal(locked.facts.retry, "after_wait");
  assert.equal(locked.retryAfter?.getTime(), 5000);
});

test("failures: integrity kinds, local problems and storage errors", () => {
  const rolled = describeFailure(new IntegrityError("rollback", "behind the head"));
  assert.deepEqual(rolled.integrity, { reason: "rollback", kind: "rollback" });
  assert.equal(describeFailure(new IntegrityError("auth_failed", "x", "packs/ab/cd")).integrity?.kind, "corruption");
  const full = describeFailure(new LocalFileError("no_space", "destination", "/out", "the destination /out: no space left"));
  assert.deepEqual([full.code, full.facts.category], ["no_space", "no_space"]);
  assert.equal(describeFailure(new LocalFileError("other", "temp", "/tmp", "x")).code, "local_error");
  assert.equal(describeFailure(new StorageUnavailableError("GET failed")).facts.retry, "yes");
  assert.equal(describeFailure(new ObjectExistsError("snapshots/1")).code, "storage_refused");
  assert.equal(describeFailure(Object.assign(new Error("denied"), { name: "AccessDenied" })).code, "storage_refused");
  assert.equal(describeFailure(new TypeError("x")).code, "unexpected");
});
