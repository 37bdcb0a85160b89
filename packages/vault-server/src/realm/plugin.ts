/**
 * The realm API, `/realm/v1/*` (spec/threshold-vault.md §5), served by every vault beside
 * `/v1/*`: one realm = one vault deployment. A fastify plugin with its own auth hook (the
 * vault's account-token verifier: `sub` = account), per-account rate limit and error
 * handler; errors it does not own go to the vault's handler. It opens the realm tables on
 * the vault's database at startup and runs the realm sweep.
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import { AccountTokenError } from "../auth/account-token.ts";
import type { VaultContext } from "../http/context.ts";
import { RateLimiter } from "../http/rate-limit.ts";
import { admin, register } from "./admin.ts";
import type { RealmContext } from "./context.ts";
import { RealmHttpError } from "./errors.ts";
import { advanceHead, readHead } from "./head.ts";
import { openRealmStore } from "./open.ts";
import {
  REALM_PATHS,
  REALM_PROTOCOL_NAME,
  REALM_PROTOCOL_V3,
  type AdminRequest,
  type EvaluateRequest,
  type ProofRequest,
  type RealmInfoResponse,
  type RegisterRequest,
  type StartRequest,
  type UnlockRequest,
} from "./protocol.ts";
import { evaluationReady } from "./evaluation.ts";
import { evaluate, proof, start, unlock } from "./recover.ts";
import { REALM_SCHEMAS } from "./schemas.ts";
import { RealmStateCodec, RealmStateError } from "./state.ts";
import { sweepRealm } from "./sweep.ts";
import { readRecord } from "./view.ts";

/** spec §5: realm bodies are at most 16 KiB (a registration is about 1.2 KiB). */
const BODY_LIMIT = 16 * 1024;

function send(reply: FastifyReply, e: RealmHttpError): FastifyReply {
  if (e.retryAfterSeconds !== undefined) reply.header("retry-after", String(e.retryAfterSeconds));
  return reply.code(e.status).type("application/json").send(e.body());
}

/** Register the realm routes on the vault app (call from `buildVaultApp`). */
export function realmPlugin(vault: VaultContext) {
  return async function realmRoutes(app: FastifyInstance): Promise<void> {
    await evaluationReady();
    const store = await openRealmStore(vault.config.database);
    const realmId = vault.secrets.realmId();
    const ctx: RealmContext = {
      store,
      codec: new RealmStateCodec(vault.secrets),
      policy: vault.config.policy,
      clock: vault.clock,
      realmId,
      realmIdBytes: new Uint8Array(Buffer.from(realmId, "base64url")),
      allowWeakKsf: vault.config.allowWeakKeyStretching,
      log: vault.log,
      metrics: vault.metrics,
    };
    const perAccount = new RateLimiter(vault.config.rateLimit.perAccountPerMinute);
    const sweeper =
      vault.config.sweepIntervalMs > 0
        ? setInterval(() => void sweepRealm(ctx).catch((err: unknown) => ctx.log.warn({ err }, "realm sweep failed")), vault.config.sweepIntervalMs)
        : undefined;
    sweeper?.unref();
    app.addHook("onClose", async () => {
      if (sweeper) clearInterval(sweeper);
      await store.close();
    });

    app.addHook("onRequest", async (req, reply) => {
      if (req.routeOptions.url === REALM_PATHS.info || !req.routeOptions.url?.startsWith("/realm/v1/")) return;
      try {
        req.accountId = await vault.verifyAccount(req.headers.authorization);
      } catch (e) {
        if (!(e instanceof AccountTokenError)) throw e;
        req.log.info({ reason: e.reason }, "account token refused");
        return send(reply, new RealmHttpError("unauthorized", "missing or invalid account token"));
      }
      const w = perAccount.take(req.accountId);
      if (w > 0) {
        const at = Date.now() + w;
        return send(reply, new RealmHttpError("rate_limited", "too many requests for this account", { retryAfter: at }).retryAt(at, Date.now()));
      }
    });

    app.setErrorHandler(async (err, req, reply) => {
      if (err instanceof RealmHttpError) return send(reply, err);
      if (err instanceof RealmStateError) {
        // A tampered or foreign row: refused, never reset; the operator must look.
        req.log.error({ account: req.accountId, route: req.routeOptions.url }, err.message);
        return send(reply, new RealmHttpError("state_invalid", "this realm's state for the account does not authenticate"));
      }
      throw err; // the vault's handler: validation, body size, media type, database down, internal
    });

    // `protocol` stays the v2 name, which v2 clients check; `versions` tells v3 clients about recover/start (§2.2).
    app.get(REALM_PATHS.info, async (): Promise<RealmInfoResponse> => ({
      protocol: REALM_PROTOCOL_NAME,
      realmId,
      versions: [REALM_PROTOCOL_NAME, REALM_PROTOCOL_V3],
    }));
    app.get(REALM_PATHS.record, async (req) => readRecord(ctx, req.accountId));
    app.post<{ Body: RegisterRequest }>(REALM_PATHS.register, { schema: { body: REALM_SCHEMAS.register }, bodyLimit: BODY_LIMIT }, async (req) =>
      register(ctx, req.accountId, req.body.registration),
    );
    app.post<{ Body: EvaluateRequest }>(REALM_PATHS.evaluate, { schema: { body: REALM_SCHEMAS.evaluate }, bodyLimit: BODY_LIMIT }, async (req) =>
      evaluate(ctx, req.accountId, req.body),
    );
    app.post<{ Body: StartRequest }>(REALM_PATHS.start, { schema: { body: REALM_SCHEMAS.start }, bodyLimit: BODY_LIMIT }, async (req) =>
      start(ctx, req.accountId, req.body),
    );
    app.post<{ Body: ProofRequest }>(REALM_PATHS.proof, { schema: { body: REALM_SCHEMAS.proof }, bodyLimit: BODY_LIMIT }, async (req) =>
      proof(ctx, req.accountId, req.body),
    );
    app.post<{ Body: UnlockRequest }>(REALM_PATHS.unlock, { schema: { body: REALM_SCHEMAS.unlock }, bodyLimit: BODY_LIMIT }, async (req) =>
      unlock(ctx, req.accountId, req.body),
    );
    app.post<{ Body: AdminRequest }>(REALM_PATHS.admin, { schema: { body: REALM_SCHEMAS.admin }, bodyLimit: BODY_LIMIT }, async (req) =>
      admin(ctx, req.accountId, req.body),
    );
    app.get(REALM_PATHS.head, async (req) => readHead(ctx, req.accountId));
    app.post<{ Body: { sequence: number; digest: string; signature: string } }>(
      REALM_PATHS.head,
      { schema: { body: REALM_SCHEMAS.head }, bodyLimit: BODY_LIMIT },
      async (req) => advanceHead(ctx, req.accountId, req.body),
    );
  };
}
