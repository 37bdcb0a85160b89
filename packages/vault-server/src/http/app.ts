/**
 * The fastify app: hooks for rate limits, account auth, the test clock, metrics and
 * logging; one error handler; one file per route (spec/vault-protocol.md §4).
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { AccountTokenError } from "../auth/account-token.ts";
import { StoreUnavailableError } from "../store/vault-store.ts";
import { RecordIntegrityError } from "../store/authenticated.ts";
import { HttpError, fromFastifyError } from "./errors.ts";
import { RateLimiter } from "./rate-limit.ts";
import { lazyChildLogger } from "./request-logger.ts";
import type { VaultContext } from "./context.ts";
import { registrationStartRoute } from "./routes/registration-start.ts";
import { registrationFinishRoute } from "./routes/registration-finish.ts";
import { loginStartRoute } from "./routes/login-start.ts";
import { loginFinishRoute } from "./routes/login-finish.ts";
import { recordReplaceRoute } from "./routes/record-replace.ts";
import { recordDeleteRoute } from "./routes/record-delete.ts";
import { statusRoute } from "./routes/status.ts";
import { headRoutes } from "./routes/head.ts";
import { healthRoute } from "./routes/health.ts";
import { metricsRoute } from "./routes/metrics.ts";
import { testClockRoute, syncTestClock } from "./routes/test-clock.ts";
import { realmPlugin } from "../realm/plugin.ts";

export function sendError(reply: FastifyReply, e: HttpError): FastifyReply {
  if (e.retryAfterSeconds !== undefined) reply.header("retry-after", String(e.retryAfterSeconds));
  return reply.code(e.status).type("application/json").send(e.body());
}

export function buildVaultApp(ctx: VaultContext): FastifyInstance {
  const { config } = ctx;
  const app = Fastify({
    loggerInstance: ctx.log as unknown as FastifyBaseLogger,
    // Request lines are ours (onResponse): method, route pattern, status, time; never headers or bodies.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyChildLogger,
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    return503OnClosing: true,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } },
  });
  const perIp = new RateLimiter(config.rateLimit.perIpPerMinute);
  const perAccount = new RateLimiter(config.rateLimit.perAccountPerMinute);

  const refused = (req: FastifyRequest, reply: FastifyReply, e: unknown): void => {
    if (!(e instanceof AccountTokenError)) throw e;
    req.log.info({ reason: e.reason }, "account token refused");
    sendError(reply, new HttpError("unauthorized", "missing or invalid account token"));
  };
  const accountRateLimited = (req: FastifyRequest, reply: FastifyReply): boolean => {
    const w = perAccount.take(req.accountId);
    if (w <= 0) return false;
    const at = Date.now() + w;
    sendError(reply, new HttpError("rate_limited", "too many requests for this account", { retryAfter: at }).retryAt(at, Date.now()));
    return true;
  };
  // Callback-style hooks (no promise per request); a hook that answers does not call `done`.
  app.addHook("onRequest", (req, reply, done) => {
    req.startedAt = process.hrtime.bigint();
    const wait = perIp.take(req.ip);
    if (wait > 0) {
      const at = Date.now() + wait; // rate limits run on the real clock
      sendError(reply, new HttpError("rate_limited", "too many requests from this address", { retryAfter: at }).retryAt(at, Date.now()));
      return;
    }
    if (!req.routeOptions.url?.startsWith("/v1/")) return done();
    // A token verified before (and not expired) needs no promise; any other goes to the verifier.
    const known = ctx.verifyAccount.cached?.(req.headers.authorization);
    if (known !== undefined) {
      req.accountId = known;
      if (!accountRateLimited(req, reply)) done();
      return;
    }
    ctx.verifyAccount(req.headers.authorization).then(
      (accountId) => {
        req.accountId = accountId;
        if (!accountRateLimited(req, reply)) done();
      },
      (e: unknown) => {
        try {
          refused(req, reply, e);
        } catch (err) {
          done(err as Error);
        }
      },
    );
  });

  if (config.testClock) app.addHook("preHandler", async () => syncTestClock(ctx));

  app.addHook("onResponse", (req, reply, done) => {
    const route = req.routeOptions.url ?? "(unmatched)";
    const seconds = Number(process.hrtime.bigint() - req.startedAt) / 1e9;
    ctx.metrics.inc("vault_http_requests_total", { route, status: String(reply.statusCode) });
    ctx.metrics.observe("vault_http_request_duration_seconds", { route }, seconds);
    req.log.debug({ method: req.method, route, status: reply.statusCode, ms: Math.round(seconds * 1e4) / 10, account: req.accountId }, "request");
    done();
  });

  app.setErrorHandler(async (err, req, reply) => {
    if (err instanceof HttpError) return sendError(reply, err);
    if (err instanceof RecordIntegrityError) {
      // Never reset or repair: the operator must look (spec §10.4). The request is refused.
      req.log.error({ account: err.accountId, code: err.code }, "vault record failed its integrity check; request refused");
      ctx.metrics.inc("vault_record_integrity_failures_total");
      return sendError(reply, new HttpError("internal", "the vault record failed its integrity check"));
    }
    const mapped = fromFastifyError(err as { statusCode?: number; code?: string; validation?: unknown });
    if (mapped) return sendError(reply, mapped);
    if (err instanceof StoreUnavailableError || (err as { code?: string }).code === "SQLITE_BUSY") {
      req.log.warn({ err }, "database unavailable");
      return sendError(reply, new HttpError("unavailable", "the vault's database is unavailable; retry later"));
    }
    req.log.error({ err, route: req.routeOptions.url }, "internal error");
    return sendError(reply, new HttpError("internal", "internal error"));
  });
  app.setNotFoundHandler(async (_req, reply) => sendError(reply, new HttpError("not_found", "no such endpoint")));

  registrationStartRoute(app, ctx);
  registrationFinishRoute(app, ctx);
  loginStartRoute(app, ctx);
  loginFinishRoute(app, ctx);
  recordReplaceRoute(app, ctx);
  recordDeleteRoute(app, ctx);
  statusRoute(app, ctx);
  headRoutes(app, ctx);
  healthRoute(app, ctx);
  metricsRoute(app, ctx);
  if (config.testClock) testClockRoute(app, ctx);
  // One vault = one realm of the threshold vault (spec/threshold-vault.md): /realm/v1/*.
  void app.register(realmPlugin(ctx));
  return app;
}
