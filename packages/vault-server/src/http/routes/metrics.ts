/** GET /metrics — Prometheus text (spec §9.2). No auth: bind it to a private interface or proxy. */
import type { FastifyInstance } from "fastify";
import { VAULT_PATHS } from "@chatvault/vault-protocol";
import type { VaultContext } from "../context.ts";

export function metricsRoute(app: FastifyInstance, ctx: VaultContext): void {
  app.get(VAULT_PATHS.metrics, async (_req, reply) => reply.type("text/plain; version=0.0.4").send(await ctx.metricsText()));
}
