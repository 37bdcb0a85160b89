/**
 * POST /v1/login/start — KE1 in, KE2 out; THE place where a guess is counted
 * (spec §5.2, §6.1). The attempt is committed before KE2 leaves the process, because the
 * client can test the password from KE2 alone. Unknown accounts get OPAQUE's fake KE2 in
 * the same shape, and nothing is written (§5.4).
 */
import * as opaque from "@serenity-kit/opaque";
import type { FastifyInstance } from "fastify";
import { DEFAULT_KEY_STRETCHING, VAULT_PATHS, type KeyStretching, type LoginStartRequest, type LoginStartResponse } from "@chatvault/vault-protocol";
import { recordCounters, startAttempt } from "../../store/record-transitions.ts";
import { RecordIntegrityError } from "../../store/authenticated.ts";
import { settle } from "../../policy.ts";
import { poolRandomBytes } from "../../sealing/random-pool.ts";
import { HttpError, badRequest } from "../errors.ts";
import { SCHEMAS } from "../schemas.ts";
import type { VaultContext } from "../context.ts";

const destroyed = () => new HttpError("destroyed", "the vault record was destroyed after too many wrong passwords");

export function loginStartRoute(app: FastifyInstance, ctx: VaultContext): void {
  const { policy } = ctx.config;
  const serverSetup = () => ctx.secrets.unsafeServerSetup();
  const locked = (retryAfter: number) =>
    new HttpError("locked", "too many wrong passwords; try again later", { retryAfter, attemptsRemaining: 0 }).retryAt(retryAfter, ctx.clock.now());

  const ke2 = (accountId: string, registrationRecord: string | null, startLoginRequest: string) => {
    try {
      return opaque.server.startLogin({ serverSetup: serverSetup(), userIdentifier: accountId, registrationRecord, startLoginRequest });
    } catch {
      throw badRequest("startLoginRequest is not a valid OPAQUE message");
    }
  };

  /**
   * Same fields, same lengths, same kind of values as a real answer (§5.4). The login ID
   * is stateless but recognisable (`fakeLoginId`), so a finish with a random KE3 answers
   * like a real one. Counted in metrics as `released`, like a real answer.
   */
  const fake = (accountId: string, startLoginRequest: string): LoginStartResponse => {
    const s = ke2(accountId, null, startLoginRequest);
    ctx.metrics.inc("vault_login_starts_total", { outcome: "released" });
    const expiresAt = ctx.clock.now() + policy.loginTtlMs;
    return {
      loginId: ctx.crypto.fakeLoginId(accountId, expiresAt),
      loginResponse: s.loginResponse,
      keyStretching: { ...DEFAULT_KEY_STRETCHING },
      attemptsRemaining: policy.maxAttempts - 1,
      failureBudgetRemaining: policy.failureBudget - 1,
      lockedUntil: null,
      expiresAt,
    };
  };

  const remembered = (accountId: string) => {
    const r = ctx.store.rememberedRecord?.(accountId) ?? null;
    return r && r.state === "active" && r.sealedRecord && settle(recordCounters(r), ctx.clock.now()).lockedUntil === null ? r : null;
  };

  app.post<{ Body: LoginStartRequest }>(VAULT_PATHS.loginStart, { schema: { body: SCHEMAS.loginStart } }, async (req) => {
    const accountId = req.accountId;
    const { startLoginRequest } = req.body;
    for (let tries = 0; tries < 3; tries++) {
      // First the row this process last verified or wrote (the previous login's finish), if
      // it is active and unlocked: KE2 is computed from it and the count is written only if
      // the stored row is still exactly that row, else "stale" and the row is read (§6.1,
      // §10.4). A locked or destroyed remembered row is read, never refused from memory.
      const row = (tries === 0 ? remembered(accountId) : null) ?? (await ctx.store.getRecord(accountId));
      if (!row) return fake(accountId, startLoginRequest);
      if (row.state === "destroyed") {
        ctx.metrics.inc("vault_login_starts_total", { outcome: "destroyed" });
        throw destroyed();
      }
      // Cheap early refusal while locked: no OPAQUE work for a locked record.
      const early = settle(recordCounters(row), ctx.clock.now());
      if (early.lockedUntil !== null) {
        ctx.metrics.inc("vault_login_starts_total", { outcome: "locked" });
        throw locked(early.lockedUntil);
      }
      const payload = ctx.crypto.openRecord(accountId, row.version, row.sealedRecord!);
      if (!payload) throw new RecordIntegrityError(accountId);
      const s = ke2(accountId, payload.registrationRecord, startLoginRequest);
      const loginId = poolRandomBytes(16).toString("base64url");
      const sealedState = ctx.crypto.sealLoginState(accountId, loginId, row.version, s.serverLoginState);
      const r = await startAttempt(ctx.store, { accountId, expectedVersion: row.version, now: ctx.clock.now(), policy, loginId, sealedState, expected: row });
      switch (r.kind) {
        case "released": {
          ctx.metrics.inc("vault_login_starts_total", { outcome: "released" });
          const out: LoginStartResponse = {
            loginId,
            loginResponse: s.loginResponse,
            keyStretching: JSON.parse(row.keyStretching!) as KeyStretching,
            attemptsRemaining: r.attemptsRemaining,
            failureBudgetRemaining: r.failureBudgetRemaining,
            lockedUntil: r.lockedUntil,
            expiresAt: r.expiresAt,
          };
          return out;
        }
        case "locked":
          ctx.metrics.inc("vault_login_starts_total", { outcome: "locked" });
          throw locked(r.retryAfter);
        case "destroyed":
          ctx.metrics.inc("vault_login_starts_total", { outcome: "destroyed" });
          ctx.metrics.inc("vault_records_destroyed_total");
          req.log.warn({ account: accountId }, "vault record destroyed: failure budget spent");
          throw destroyed();
        case "unknown":
          return fake(accountId, startLoginRequest);
        case "stale":
          continue; // the record changed between read and count: read it again
      }
    }
    throw new HttpError("record_changed", "the vault record is changing; retry");
  });
}
