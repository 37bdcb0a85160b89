import { test } from "node:test";
import assert from "node:assert/strict";
import { IntegrityError, KeyFormatError, WrongKeyError } from "@chatvault/format";
import { CancelledError, RepositoryNotFoundError, RestoreTargetExistsError } from "@chatvault/sdk";
import { StorageUnavailableError } from "@chatvault/storage";
import { DestroyedError, LockedError, NotEnabledError, VaultUnavailableError, WrongPasswordError } from "@chatvault/vault-protocol";
import { describeWait, toExit } from "./errors-to-exit.ts";
import { EXIT } from "./exit-codes.ts";

const now = new Date(2025, 10, 27, 14, 44, 0);
const at = (mins: number) => new Date(now.getTime() + mins * 60_000);

test("waits read like the issue: minutes and the local time", () => {
  assert.equal(describeWait(at(58), now), "58 minutes (at 15:42)");
  assert.equal(describeWait(at(1), now), "1 minute (at 14:45)");
  assert.equal(describeWait(at(0.5), now), "30 seconds (at 14:44)");
  assert.equal(describeWait(at(4 * 60), now), "4 hours (at 18:44)");
  assert.equal(describeWait(at(16 * 60), now), "16 hours (at 2025-11-28 06:44)");
  assert.equal(describeWait(at(7 * 24 * 60), now), "7 days (at 2025-12-04 14:44)");
});

test("vault errors: attempts left, lock time, destruction, turned off, unreachable", () => {
  assert.deepEqual(toExit(new WrongPasswordError(3), now), { exitCode: EXIT.wrongSecret, code: "wrong_password", message: "wrong password — 3 attempts left" });
  assert.equal(toExit(new WrongPasswordError(1), now).message, "wrong password — 1 attempt left");
  const lockedNow = toExit(new WrongPasswordError(0, { retryAfter: at(60) }), now);
  assert.equal(lockedNow.exitCode, EXIT.locked, "the attempt that triggers the lock exits 4, like the next one");
  assert.equal(lockedNow.code, "locked");
  assert.equal(lockedNow.message, "wrong password — too many attempts, try again in 60 minutes (at 15:44)");
  assert.deepEqual(toExit(new LockedError(at(58)), now), { exitCode: EXIT.locked, code: "locked", message: "too many attempts — try again in 58 minutes (at 15:42)" });
  const gone = toExit(new DestroyedError(), now);
  assert.equal(gone.exitCode, EXIT.destroyed);
  assert.match(gone.message, /gone forever/);
  assert.match(gone.message, /too many wrong passwords/);
  assert.equal(toExit(new WrongPasswordError(0, { destroyed: true }), now).exitCode, EXIT.destroyed);
  assert.equal(toExit(new NotEnabledError(), now).exitCode, EXIT.notFound);
  assert.equal(toExit(new VaultUnavailableError("vault unreachable (GET /v1/status)"), now).exitCode, EXIT.vaultUnreachable);
});

test("engine and storage errors", () => {
  assert.deepEqual(toExit(new WrongKeyError()), { exitCode: EXIT.wrongSecret, code: "wrong_key", message: "this key does not open this backup" });
  assert.equal(toExit(new KeyFormatError("63 digits, expected 64")).exitCode, EXIT.usage);
  const integ = toExit(new IntegrityError("auth_failed", "chunk does not authenticate", "packs/ab/abcd"));
  assert.equal(integ.exitCode, EXIT.integrity);
  assert.match(integ.message, /auth_failed.*packs\/ab\/abcd.*nothing was written/);
  assert.equal(toExit(new RestoreTargetExistsError("/x/msgstore.db")).exitCode, EXIT.targetExists);
  assert.equal(toExit(new RepositoryNotFoundError("/x")).exitCode, EXIT.notFound);
  assert.equal(toExit(new StorageUnavailableError("get config: S3 unavailable")).exitCode, EXIT.storageUnreachable);
  assert.equal(toExit(new CancelledError()).exitCode, EXIT.cancelled);
  assert.equal(toExit(new Error("boom\nstack")).message, "boom");
});

test("exit codes are distinct", () => {
  const codes = Object.values(EXIT);
  assert.equal(new Set(codes).size, codes.length);
});
