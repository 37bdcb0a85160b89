/** Wire errors map to typed errors that say what to do (spec §8). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ChatvaultError } from "@chatvault/format";
import { VAULT_ERROR_STATUS } from "./error-codes.ts";
import {
  AlreadyEnabledError,
  DestroyedError,
  HeadConflictError,
  LockedError,
  NotEnabledError,
  RateLimitedError,
  UnauthorizedError,
  VaultError,
  VaultProtocolError,
  VaultRequestError,
  VaultUnavailableError,
  WrongPasswordError,
  errorFromResponse,
} from "./errors.ts";

const body = (code: string, extra: object = {}) => ({ error: { code, message: `m ${code}`, ...extra } });

test("every wire code maps to a VaultError with its status", () => {
  for (const [code, status] of Object.entries(VAULT_ERROR_STATUS)) {
    const e = errorFromResponse(status, body(code, code === "locked" ? { retryAfter: 5 } : {}));
    assert.ok(e instanceof VaultError && e instanceof ChatvaultError, code);
    assert.equal(e.status, status);
    assert.equal(e.code, code === "internal" ? "unavailable" : code);
  }
});

test("typed classes carry what the caller needs", () => {
  const locked = errorFromResponse(423, body("locked", { retryAfter: 1_900_000_000_000, attemptsRemaining: 0 }));
  assert.ok(locked instanceof LockedError);
  assert.equal(locked.retryAfter.getTime(), 1_900_000_000_000);
  assert.equal(locked.retryable, true);
  assert.equal(locked.attemptsRemaining, 0);
  const destroyed = errorFromResponse(410, body("destroyed"));
  assert.ok(destroyed instanceof DestroyedError);
  assert.equal(destroyed.destroyed, true);
  assert.equal(destroyed.retryable, false);
  assert.ok(errorFromResponse(404, body("not_enabled")) instanceof NotEnabledError);
  assert.ok(errorFromResponse(409, body("already_enabled")) instanceof AlreadyEnabledError);
  assert.ok(errorFromResponse(401, body("unauthorized")) instanceof UnauthorizedError);
  const rl = errorFromResponse(429, body("rate_limited"), "30");
  assert.ok(rl instanceof RateLimitedError && rl.retryable && rl.retryAfter !== undefined);
  const hc = errorFromResponse(409, body("head_conflict", { current: { sequence: 3, digest: "x", updatedAt: 1 } }));
  assert.ok(hc instanceof HeadConflictError);
  assert.equal(hc.current?.sequence, 3);
  const le = errorFromResponse(409, body("login_expired"));
  assert.ok(le instanceof VaultRequestError && le.retryable);
  assert.equal(errorFromResponse(400, body("bad_request")).retryable, false);
});

test("unknown answers: 5xx → retryable unavailable; 4xx without a code → protocol error", () => {
  const u = errorFromResponse(502, "<html>");
  assert.ok(u instanceof VaultUnavailableError && u.retryable);
  assert.ok(errorFromResponse(400, { error: { code: "made_up" } }) instanceof VaultProtocolError);
  assert.ok(errorFromResponse(418, null) instanceof VaultProtocolError);
});

test("WrongPasswordError says what is left", () => {
  const w = new WrongPasswordError(3);
  assert.equal(w.code, "wrong_password");
  assert.equal(w.attemptsRemaining, 3);
  assert.equal(w.retryable, true);
  const last = new WrongPasswordError(0, { destroyed: true });
  assert.equal(last.destroyed, true);
  assert.equal(last.retryable, false);
  const lock = new WrongPasswordError(0, { retryAfter: new Date(1e12) });
  assert.match(lock.message, /locked until 2001-09-09/);
});
