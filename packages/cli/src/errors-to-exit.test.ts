import { test } from "node:test";
import assert from "node:assert/strict";
import { IntegrityError, KeyFormatError, WrongKeyError } from "@chatvault/format";
import {
  CancelledError,
  type LocalPlace,
  LockLostError,
  RepositoryLockedError,
  RepositoryNotFoundError,
  RestoreTargetExistsError,
  StorageFolderMissingError,
} from "@chatvault/sdk";
import { localFileError } from "@chatvault/sdk/node";
import { StorageUnavailableError } from "@chatvault/storage";
import { DestroyedError, LockedError, NotEnabledError, VaultUnavailableError, WrongPasswordError } from "@chatvault/vault-protocol";
import { describeWait, toExit } from "./errors-to-exit.ts";
import { EXIT } from "./exit-codes.ts";

const now = new Date(2025, 10, 27, 14, 44, 0);
const at = (mins: number) => new Date(now.getTime() + mins * 60_000);

test("waits read as docs/cli.md words them: minutes and the local time", () => {
  assert.equal(describeWait(at(58), now), "58 minutes (at 15:42)");
  assert.equal(describeWait(at(1), now), "1 minute (at 14:45)");
  assert.equal(describeWait(at(0.5), now), "30 seconds (at 14:44)");
  assert.equal(describeWait(at(4 * 60), now), "4 hours (at 18:44)");
  assert.equal(describeWait(at(16 * 60), now), "16 hours (at 2025-11-28 06:44)");
  assert.equal(describeWait(at(7 * 24 * 60), now), "7 days (at 2025-12-04 14:44)");
});

test("vault errors: attempts left, lock time, destruction, turned off, unreachable", () => {
  assert.deepEqual(toExit(new WrongPasswordError(3), now), { exitCode: EXIT.wrongSecret, code: "wrong_password", message: "wrong password — 3 attempts left" });
  assert.equal(
    toExit(new WrongPasswordError(1), now).message,
    "wrong password — 1 attempt left; if the next password is wrong, you will have to wait 1 hour (longer if it was locked before)",
    "the last attempt before a lock says what the next wrong one does",
  );
  const lockedNow = toExit(new WrongPasswordError(0, { retryAfter: at(60) }), now);
  assert.equal(lockedNow.exitCode, EXIT.locked, "the attempt that triggers the lock exits 4, like the next one");
  assert.equal(lockedNow.code, "locked");
  assert.equal(lockedNow.message, "wrong password — too many attempts, try again in 60 minutes (at 15:44)");
  assert.deepEqual(toExit(new LockedError(at(58)), now), {
    exitCode: EXIT.locked,
    code: "locked",
    message: "too many attempts — try again in 58 minutes (at 15:42)",
  });
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

test("local file errors: exit code by errno class, our code under --json, the place and path as details", () => {
  const errno = (code: string, path = "/x/y") => Object.assign(new Error(`${code}: boom, open '${path}'`), { code, path });
  const cases: [string, LocalPlace, number, string][] = [
    ["ENOSPC", "repository", EXIT.noSpace, "no_space"],
    ["ENOSPC", "destination", EXIT.noSpace, "no_space"],
    ["ENOSPC", "temp", EXIT.noSpace, "no_space"],
    ["EROFS", "destination", EXIT.notPermitted, "read_only"],
    ["EACCES", "repository", EXIT.notPermitted, "permission_denied"],
    ["EEXIST", "destination", EXIT.usage, "is_a_file"],
    ["ENOTDIR", "destination", EXIT.usage, "not_a_folder"],
    ["ENOENT", "source", EXIT.usage, "not_found"],
    ["EIO", "destination", EXIT.ioError, "io_error"],
  ];
  for (const [code, place, exitCode, ours] of cases) {
    const r = toExit(localFileError(errno(code), place, "/x/y"));
    assert.equal(r.exitCode, exitCode, `${code} at ${place}`);
    assert.equal(r.code, ours);
    assert.deepEqual(r.details, { place, path: "/x/y" });
    assert.doesNotMatch(r.message, /E[A-Z]{3,}/, "no errno name");
    assert.equal(r.message.split("/x/y").length, 2, `path said once: ${r.message}`);
  }
  assert.match(
    toExit(localFileError(errno("ENOSPC"), "temp", "/tmp/t")).message,
    /^the temp folder for the database copy \/tmp\/t: no space left on the device; .*TMPDIR/,
  );
  // An errno error no layer wrapped: still our words, the path once.
  assert.deepEqual(toExit(errno("EACCES", "/a/b")), { exitCode: EXIT.notPermitted, code: "permission_denied", message: "/a/b: permission denied" });
});

test("storage: a missing folder is unreachable (7), not 'no backup'; S3 refusals say what to fix, without class names", () => {
  const missing = toExit(new StorageFolderMissingError("/mnt/usb/chats"));
  assert.equal(missing.exitCode, EXIT.storageUnreachable);
  assert.equal(missing.code, "storage_unreachable");
  assert.match(missing.message, /^the backup folder \/mnt\/usb\/chats does not exist — is its drive mounted\?/);
  for (const name of ["CredentialsProviderError", "AccessDenied", "NoSuchBucket", "InvalidAccessKeyId", "SignatureDoesNotMatch"]) {
    const r = toExit(Object.assign(new Error("x"), { name }));
    assert.equal(r.exitCode, EXIT.storageUnreachable);
    assert.ok(!r.message.includes(name), r.message);
  }
  assert.match(toExit(Object.assign(new Error("x"), { name: "CredentialsProviderError" })).message, /AWS_ACCESS_KEY_ID/);
  assert.equal(
    toExit(new StorageUnavailableError("get config: S3 unavailable (ECONNREFUSED)")).message,
    "cannot reach the backup storage: get config: S3 unavailable (connection refused); check the location and the network, then try again",
  );
});

test("integrity failures carry their reason as a field", () => {
  assert.deepEqual(toExit(new IntegrityError("rollback", "older than the head")).details, { reason: "rollback", check: "rollback" });
  assert.deepEqual(toExit(new IntegrityError("missing_object", "gone", "packs/ab/cd")).details, {
    reason: "missing",
    check: "missing_object",
    object: "packs/ab/cd",
  });
  assert.equal(toExit(new IntegrityError("auth_failed", "bad")).details?.reason, "corruption");
  assert.equal(toExit(new IntegrityError("id_mismatch", "bad")).details?.reason, "corruption");
});

test("repository lock errors: exit 15 (busy), the holder in --json details", () => {
  const holder = {
    operation: "backup",
    host: "phone",
    pid: 42,
    mode: "append" as const,
    since: "2026-12-01T10:00:00.000Z",
    expires: "2026-12-01T10:05:00.000Z",
  };
  const locked = toExit(new RepositoryLockedError(holder), now);
  assert.equal(locked.exitCode, EXIT.busy);
  assert.equal(locked.code, "repository_locked");
  assert.match(locked.message, /locked by backup on phone \(pid 42\)/);
  assert.deepEqual(locked.details, { holder });
  const lost = toExit(new LockLostError("backup", "was removed"), now);
  assert.equal(lost.exitCode, EXIT.busy);
  assert.equal(lost.code, "lock_lost");
});
