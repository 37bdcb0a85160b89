/**
 * `chatvault status` on a realms-mode repository (spec/threshold-vault.md §6.9): each
 * realm's answer — reachable, state, attempts left, lock — and what the set as a whole
 * allows (the t-th realm decides). Spends no guess; a realm that does not answer is shown
 * as such (exit 0: status is for looking).
 */
import type { ConfigRealmSet } from "@chatvault/format";
import { status } from "@chatvault/vault-protocol/threshold";
import { UsageError } from "../cli-error.ts";
import { describeWait } from "../errors-to-exit.ts";
import { realmsForRepository } from "../realms.ts";

export async function realmsStatus(
  set: ConfigRealmSet,
  repoId: string,
  realmsFlag: string | undefined,
  warn: (l: string) => void,
): Promise<{ lines: string[]; json: unknown }> {
  let c;
  try {
    c = await realmsForRepository(set, repoId, realmsFlag, warn);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return {
      lines: set.realms.map((r) => `Realm:       ${r.url} — not asked (${e.message})`),
      json: { threshold: set.threshold, realms: set.realms, known: false, reason: e.message },
    };
  }
  const s = await status(c.ctx);
  const now = Date.now();
  const lock = (until: number | null | undefined) => (until && until > now ? `locked, try again in ${describeWait(new Date(until))}` : null);
  const lines = [
    `Realms:      ${s.reachable} of ${s.realms.length} reachable, ${s.threshold} needed; state ${s.state}; ${s.attemptsRemaining} attempts left${lock(s.lockedUntil) ? `; ${lock(s.lockedUntil)}` : ""}`,
    ...s.realms.map((r) => {
      const reachable = r.state !== undefined;
      const parts = [
        reachable ? `reachable, ${r.state}${r.version ? ` (version ${r.version})` : ""}` : `NOT reachable (${r.status}${r.code ? ` ${r.code}` : ""})`,
      ];
      if (reachable && r.attemptsRemaining !== undefined) parts.push(`${r.attemptsRemaining} attempts left`);
      const l = lock(r.lockedUntil);
      if (l) parts.push(l);
      if (r.status === "misbehaved") parts.push(`MISBEHAVED (${r.reason ?? "bad_answer"})`);
      return `  realm ${r.url}: ${parts.join(", ")}`;
    }),
  ];
  return {
    lines,
    json: {
      threshold: s.threshold,
      state: s.state,
      reachable: s.reachable,
      attemptsRemaining: s.attemptsRemaining,
      lockedUntil: s.lockedUntil ? new Date(s.lockedUntil).toISOString() : null,
      realms: s.realms.map((r) => ({
        id: r.id,
        url: r.url,
        reachable: r.state !== undefined,
        status: r.status,
        ...(r.state ? { state: r.state } : {}),
        ...(r.version ? { version: r.version } : {}),
        ...(r.attemptsRemaining !== undefined ? { attemptsRemaining: r.attemptsRemaining } : {}),
        lockedUntil: r.lockedUntil ? new Date(r.lockedUntil).toISOString() : null,
        ...(r.code ? { code: r.code } : {}),
      })),
    },
  };
}
