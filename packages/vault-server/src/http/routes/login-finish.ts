/**
 * POST /v1/login/finish — KE3 in; on success the session token and the wrapped root key
 * out (spec §5.2, §6.2). The pending attempt is taken exactly once (any node may finish a
 * login another node started: its sealed state is in the database).
 */
import * as opaque from "@serenity-kit/opaque";
import type { FastifyInstance } from "fastify";
import { ATTEMPT_HISTORY_LIMITS, VAULT_PATHS, type LoginFinishRequest, type LoginFinishResponse } from "@chatvault/vault-protocol";
import { finishAttempt } from "../../store/record-transitions.ts";
import { RecordIntegrityError } from "../../store/authenticated.ts";
import { issueSessionToken } from "../../auth/session-token.ts";
import { HttpError } from "../errors.ts";
import { SCHEMAS } from "../schemas.ts";
import type { VaultContext } from "../context.ts";
import { readAttemptHistory } from "../../attempt-history.ts";
import type { HistoryRow } from "../../store/vault-store.ts";

export function loginFinishRoute(app: FastifyInstance, ctx: VaultContext): void {
  app.post<{ Body: LoginFinishRequest }>(VAULT_PATHS.loginFinish, { schema: { body: SCHEMAS.loginFinish } }, async (req) => {
    const accountId = req.accountId;
    const { loginId, finishLoginRequest } = req.body;
    // Read, verify outside any lock, then settle in one transaction that re-checks "pending".
    const { attempt, record } = await ctx.store.getLogin(accountId, loginId);
    const expired = () => {
      ctx.metrics.inc("vault_login_finishes_total", { outcome: "expired" });
      return new HttpError("login_expired", "no pending login with this loginId (unknown, expired or already finished)");
    };
    if (!attempt) {
      // An unknown account's stateless login (§5.4): answer as a real login with a wrong KE3 would.
      const fakeUntil = ctx.crypto.openFakeLoginId(accountId, loginId);
      if (fakeUntil !== null && fakeUntil > ctx.clock.now() && record === null) {
        ctx.metrics.inc("vault_login_finishes_total", { outcome: "failed" });
        throw new HttpError("login_failed", "the login did not verify");
      }
      throw expired();
    }
    if (attempt.outcome !== "pending" || attempt.expiresAt <= ctx.clock.now() || !attempt.sealedState) throw expired();
    const state = ctx.crypto.openLoginState(accountId, loginId, attempt.recordVersion, attempt.sealedState);
    let verified = false;
    if (state) {
      try {
        opaque.server.finishLogin({ serverLoginState: state, finishLoginRequest });
        verified = true;
      } catch {
        verified = false;
      }
    }
    // The history's rows, if the store reads them with the settle (one round trip less on PostgreSQL).
    const attempts: { limit: number; excludeLoginId: string; rows?: HistoryRow[] } = { limit: ATTEMPT_HISTORY_LIMITS.maxEvents, excludeLoginId: loginId };
    const r = await finishAttempt(ctx.store, {
      accountId,
      loginId,
      recordVersion: attempt.recordVersion,
      verified,
      now: ctx.clock.now(),
      attempts,
      ...(record ? { expected: { record, attempt } } : {}),
    });
    if (r.kind === "expired") throw expired();
    if (r.kind === "stale") {
      ctx.metrics.inc("vault_login_finishes_total", { outcome: "stale" });
      throw new HttpError("record_changed", "the vault record changed during this login; log in again");
    }
    if (r.kind === "failed") {
      ctx.metrics.inc("vault_login_finishes_total", { outcome: "failed" });
      throw new HttpError("login_failed", "the login did not verify");
    }
    const payload = ctx.crypto.openRecord(accountId, r.record.version, r.record.sealedRecord!);
    if (!payload || r.record.recordId === null) throw new RecordIntegrityError(accountId);
    ctx.metrics.inc("vault_login_finishes_total", { outcome: "success" });
    const now = ctx.clock.now();
    const sessionExpiresAt = now + ctx.config.sessionTtlMs;
    // The attempts before this login, so the client can say what happened since the last success (§5.7).
    const attemptHistory = await readAttemptHistory(ctx.store, accountId, now, loginId, attempts.rows);
    const out: LoginFinishResponse = {
      sessionToken: issueSessionToken(ctx.crypto, accountId, {
        recordId: r.record.recordId,
        recordVersion: r.record.version,
        loginId,
        expiresAt: sessionExpiresAt,
      }),
      sessionExpiresAt,
      recordVersion: r.record.version,
      wrappedRootKey: payload.wrappedRootKey,
      headKeyRegistered: r.record.headKey !== null,
      attemptHistory,
    };
    return out;
  });
}
