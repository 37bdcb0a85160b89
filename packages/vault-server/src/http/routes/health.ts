/** GET /healthz — 200 when the process can reach its database, else 503 (spec §9.2). No auth. */
import type { FastifyInstance } from "fastify";
import { VAULT_PATHS } from "@chatvault/vault-protocol";
import { HttpError } from "../errors.ts";
import type { VaultContext } from "../context.ts";

export function healthRoute(app: FastifyInstance, ctx: VaultContext): void {
  app.get(VAULT_PATHS.healthz, async () => {
    try {
      await ctx.store.ping();
    } catch {
      throw new HttpError("unavailable", "database unreachable");
    }
    return { status: "ok" };
  });
}
