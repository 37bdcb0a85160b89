/**
 * POST /_test/clock { advanceMs } — TEST ONLY (spec §9.3). Registered only when the
 * server runs with `testClock: true` (env CHATVAULT_VAULT_TEST_CLOCK=1), which it logs as
 * a warning at startup. The offset lives in the database so every process and node of a
 * deployment sees the same time; each request first syncs it.
 */
import type { FastifyInstance } from "fastify";
import { VAULT_PATHS, type TestClockRequest, type TestClockResponse } from "@chatvault/vault-protocol";
import { OffsetClock } from "../../clock.ts";
import { SCHEMAS } from "../schemas.ts";
import type { VaultContext } from "../context.ts";

export async function syncTestClock(ctx: VaultContext): Promise<void> {
  if (ctx.clock instanceof OffsetClock) {
    const offset = await ctx.store.getClockOffset();
    if (offset > ctx.clock.offsetMs) ctx.clock.setOffset(offset);
  }
}

export function testClockRoute(app: FastifyInstance, ctx: VaultContext): void {
  app.post<{ Body: TestClockRequest }>(VAULT_PATHS.testClock, { schema: { body: SCHEMAS.testClock } }, async (req) => {
    const offset = await ctx.store.advanceClockOffset(req.body.advanceMs);
    if (ctx.clock instanceof OffsetClock && offset > ctx.clock.offsetMs) ctx.clock.setOffset(offset);
    req.log.warn({ advanceMs: req.body.advanceMs, offsetMs: offset }, "TEST CLOCK advanced");
    const out: TestClockResponse = { now: ctx.clock.now(), offsetMs: offset };
    return out;
  });
}
