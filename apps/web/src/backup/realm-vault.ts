/**
 * The realm set as the page's password vault (spec/threshold-vault.md): the same methods
 * the Settings flow calls on the single vault's client (status, enable, unlock, change
 * password, turn off, head), done by the threshold client across the realms. The demo
 * server names the realms and mints one token per realm; the page reaches realm i through
 * the server's `/realms/<i>` path (one origin, one CSP), while the backup's config records
 * each realm's own URL (spec/backup-format.md §8.2.1), so the CLI can use the set too.
 */
import type { RootKey } from "@chatvault/format";
import type { AttemptHistory, BackupHead, StatusResponse } from "@chatvault/vault-protocol";
import {
  advanceHead,
  changePassword,
  createContext,
  disable,
  enable,
  readHead,
  status,
  unlock,
  type RealmFetch,
  type RealmReport,
  type RealmSet,
  type ThresholdContext,
} from "@chatvault/vault-protocol/threshold";

/** What the server's /api/config says about the realms. */
export interface RealmsConfig {
  threshold: number;
  realms: { id: string; url: string; path: string }[];
}

/** How many realms took part in the last unlock (the restore screen says it). */
export interface RealmsAnswered {
  answered: number;
  of: number;
  /** URLs of the realms that did not answer. */
  missing: string[];
}

export function realmsAnswered(reports: readonly RealmReport[]): RealmsAnswered {
  const ok = (r: RealmReport) => r.status === "ok" || r.status === "stale";
  return { answered: reports.filter(ok).length, of: reports.length, missing: reports.filter((r) => !ok(r)).map((r) => r.url) };
}

/** "2 of 3 key vaults answered (1 did not)." — for the restore message. */
export function realmsText(r: RealmsAnswered): string {
  return `${r.answered} of ${r.of} key vaults answered${r.missing.length ? ` (${r.missing.length} did not)` : ""}.`;
}

const TINY_KSF = { memoryKiB: 8, iterations: 1, parallelism: 1 };

export class RealmVault {
  readonly realmSet: RealmSet;
  readonly #ctx: ThresholdContext;

  constructor(config: RealmsConfig, o: { origin: string; accountId: string; tokenFor: (realmId: string) => Promise<string>; testOnlyWeakKsf: boolean }) {
    this.realmSet = { threshold: config.threshold, realms: config.realms.map((r) => ({ id: r.id, url: r.url })) };
    const viaServer: RealmFetch = (input, init) => {
      const r = config.realms.find((x) => input.startsWith(x.url));
      if (!r) return Promise.reject(new TypeError("not a realm of this set"));
      return globalThis.fetch(o.origin + r.path + input.slice(r.url.length), init);
    };
    this.#ctx = createContext({
      realmSet: this.realmSet,
      accountId: o.accountId,
      tokenFor: (r) => o.tokenFor(r.id),
      fetch: viaServer,
      ...(o.testOnlyWeakKsf ? { ksf: TINY_KSF, allowWeakKsf: true } : {}),
    });
  }

  /** The set's state in the single vault's terms (the t-th realm decides, §6.9). */
  async status(): Promise<StatusResponse> {
    const s = await status(this.#ctx);
    // Each realm applies its own policy (§7); they are configured alike, so the first that answers speaks for them.
    const policy = await Promise.any(
      this.#ctx.apis.map((a) => a.record().then((r) => ({ maxAttempts: r.policy.maxAttempts, failureBudget: r.policy.failureBudget }))),
    ).catch(() => ({ maxAttempts: 5, failureBudget: 20 }));
    return {
      state: s.state === "active" ? "enabled" : s.state === "destroyed" ? "destroyed" : "not_enabled",
      recordVersion: null,
      keyStretching: null,
      attemptsRemaining: s.attemptsRemaining,
      failureBudgetRemaining: policy.failureBudget,
      lockedUntil: s.lockedUntil,
      destroyedAt: null,
      recentAttempts: [],
      policy,
    };
  }

  async enable(password: string, rootKey: RootKey): Promise<void> {
    await enable(this.#ctx, password, rootKey);
  }

  async unlockWithDetails(password: string): Promise<{ rootKey: RootKey; attemptHistory: AttemptHistory | undefined; realms: RealmsAnswered }> {
    const r = await unlock(this.#ctx, password);
    return { rootKey: r.rootKey, attemptHistory: undefined, realms: realmsAnswered(r.realms) };
  }

  async changePassword(oldPassword: string, newPassword: string): Promise<void> {
    await changePassword(this.#ctx, oldPassword, newPassword);
  }

  /** Turning off needs K (the realms' admin key): unlock, then delete at every realm. */
  async disable(password: string): Promise<void> {
    const { rootKey } = await unlock(this.#ctx, password);
    await disable(this.#ctx, rootKey);
  }

  /** The realms keep no time with the head; the Chat backup screen then shows none. */
  async getHead(): Promise<BackupHead> {
    return { sequence: 0, digest: null, updatedAt: null, signature: null };
  }

  async getVerifiedHead(rootKey: RootKey): Promise<{ sequence: number; digest: string | null }> {
    const { head } = await readHead(this.#ctx, rootKey);
    return { sequence: head.sequence, digest: head.digest };
  }

  async advanceHead(u: { sequence: number; digest: Uint8Array; rootKey: RootKey }): Promise<void> {
    await advanceHead(this.#ctx, u.rootKey, u.sequence, u.digest);
  }
}
