/**
 * GET / POST /v1/head — the monotonic "latest backup" marker (spec §7). Advancing to a
 * lower sequence, or to the same sequence with another digest, is refused with
 * 409 head_conflict and the current head, so a client can detect a rollback.
 */
import type { FastifyInstance } from "fastify";
import { VAULT_PATHS, type BackupHead, type HeadAdvanceRequest } from "@chatvault/vault-protocol";
import type { HeadRow } from "../../repository/repository.ts";
import { HttpError } from "../errors.ts";
import { SCHEMAS } from "../schemas.ts";
import type { VaultContext } from "../context.ts";

const wire = (h: HeadRow | null): BackupHead => (h ? { sequence: h.sequence, digest: h.digest, updatedAt: h.updatedAt } : { sequence: 0, digest: null, updatedAt: null });

export function headRoutes(app: FastifyInstance, ctx: VaultContext): void {
  app.get(VAULT_PATHS.head, async (req) => wire(await ctx.repo.getHead(req.accountId)));

  app.post<{ Body: HeadAdvanceRequest }>(VAULT_PATHS.head, { schema: { body: SCHEMAS.headAdvance } }, async (req) => {
    const r = await ctx.repo.advanceHead(req.accountId, req.body.sequence, req.body.digest, ctx.clock.now());
    if (!r.ok) {
      throw new HttpError("head_conflict", r.current.sequence > req.body.sequence
        ? "the vault already has a newer head"
        : "the vault has another digest for this sequence", { current: wire(r.current) });
    }
    return wire(r.head);
  });
}
