/**
 * `chatvault status`: how the backup is protected, its newest snapshot, and in password
 * mode what the vault says — attempts remaining, a lock and until when, or destruction,
 * and the failed attempts since the password last worked (spec/vault-protocol.md §5.7).
 * Spends no password guess and asks for no secret (a --key-file, if given, adds the time
 * of the newest snapshot). When the vault cannot be reached, it still shows what it knows
 * from the backup and says the vault part is unknown (exit 0: status is for looking).
 * Times are local to the second; --json keeps ISO.
 */
import type { Command } from "commander";
import { Repository, layout } from "@chatvault/sdk/core";
import type { Storage } from "@chatvault/storage";
import { DEFAULT_LOCK_SCHEDULE, type StatusResponse, VaultUnavailableError, describeLockWait } from "@chatvault/vault-protocol";
import { UsageError } from "../cli-error.ts";
import { NOT_COVERED, NOT_COVERED_LINE } from "../copies-note.ts";
import { describeWait } from "../errors-to-exit.ts";
import { guessLimitLine } from "../guess-limit.ts";
import { readLastCheck } from "../last-check.ts";
import { count, localTime } from "../local-time.ts";
import { type RepoFlags, storageFor } from "../open-repository.ts";
import { outputOf, withRepoOptions, withVaultOptions } from "../options.ts";
import { obtainKey, secretPath } from "../secrets.ts";
import { attemptHistoryJson, attemptHistoryLine } from "../attempt-history.ts";
import { type VaultFlags, connectVault } from "../vault.ts";
import { realmsStatus } from "./status-realms.ts";

interface StatusFlags extends RepoFlags, VaultFlags {
  keyFile?: string;
}

export function registerStatus(program: Command): void {
  const cmd = program.command("status").description("protection mode, last backup, and the vault's attempts remaining or lock");
  withRepoOptions(cmd);
  cmd.option("--key-file <file>", "key mode: also read the newest snapshot's time (env CHATVAULT_KEY_FILE)");
  withVaultOptions(cmd);
  cmd.action(async (flags: StatusFlags, command: Command) => {
    const out = outputOf(command);
    const warn = (l: string) => out.note(l);
    const result: Record<string, unknown> = {};
    const lines: string[] = [];
    let repoId: string | undefined;
    let hintUrl: string | undefined;
    let protection: string | undefined;
    const hasRepo = !!(flags.repo ?? process.env.CHATVAULT_REPO);
    if (hasRepo || !(flags.vault || process.env.CHATVAULT_VAULT)) {
      const { storage, location } = storageFor(flags);
      const parsed = await Repository.readConfig(storage);
      const c = parsed.config;
      ({ repoId, protection } = c);
      hintUrl = c.vaultUrl;
      const refs = await snapshotNames(storage);
      const newest = refs[refs.length - 1];
      result.repo = {
        location,
        repoId: c.repoId,
        protection: c.protection,
        created: c.created,
        snapshots: refs.length,
        newest: newest ? { sequence: newest.sequence, id: newest.digest.slice(0, 12) } : null,
      };
      const realmSet = c.protection === "realms" ? c.realmSet : undefined;
      const protectionLabel = realmSet
        ? `password (${realmSet.threshold} of ${realmSet.realms.length} realms)`
        : c.protection === "key"
          ? "64-digit key"
          : c.protection === "passkey"
            ? "passkey (open it in the web app)"
            : "password (key vault)";
      lines.push(
        `Backup:      ${location}`,
        `Protection:  ${protectionLabel}`,
        `Snapshots:   ${count(refs.length, "snapshot")}${newest ? `, newest ${newest.sequence} (${newest.digest.slice(0, 12)})` : ""}`,
      );
      if (realmSet) {
        // Realms mode (spec/backup-format.md §8.2.1): each realm's answer instead of one vault's.
        const s = await realmsStatus(realmSet, c.repoId, flags.realms, warn);
        result.realms = s.json;
        out.result(withNote(result), [...lines, ...s.lines, NOT_COVERED_LINE]);
        return;
      }
      const checked = await readLastCheck(c.repoId);
      (result.repo as Record<string, unknown>).lastVerified = checked ?? null;
      lines.push(
        `Verified:    ${checked ? `last verified restorable ${localTime(checked.checkedAt)}, snapshot ${checked.sequence}` : "never checked on this machine (run chatvault check)"}`,
      );
      if (c.protection === "key" && newest && secretPath(flags.keyFile, "CHATVAULT_KEY_FILE")) {
        const repo = await Repository.open(
          storage,
          await obtainKey({ file: flags.keyFile, envVar: "CHATVAULT_KEY_FILE", flag: "--key-file", what: "key", warn }),
          parsed,
        );
        const m = await repo.readSnapshot(newest);
        (result.repo as Record<string, unknown>).lastBackup = m.time;
        lines.push(`Last backup: ${localTime(m.time)} from ${m.host}`);
      }
    }
    if (protection !== "key" && protection !== "passkey") {
      let vault;
      try {
        vault = await connectVault(flags, { ...(repoId ? { repoId } : {}), ...(hintUrl ? { hintUrl } : {}), warn });
      } catch (e) {
        // Knowing the backup is useful without the vault: say what is missing, don't fail.
        if (!(e instanceof UsageError) || !repoId) throw e;
        result.vault = null;
        out.result(withNote(result), [...lines, `Vault:       ${e.message}`, NOT_COVERED_LINE]);
        return;
      }
      let s: StatusResponse;
      let head;
      try {
        s = await vault.client.status();
        head = s.state === "enabled" ? await vault.client.getHead() : undefined;
      } catch (e) {
        // The backup's part is known; the vault's is not. Say which vault, and carry on.
        if (!(e instanceof VaultUnavailableError) || !repoId) throw e;
        result.vault = { url: vault.url, reachable: false };
        out.result(withNote(result), [...lines, `Vault:       ${vault.url} — cannot reach it now; attempts left and any lock are unknown`, NOT_COVERED_LINE]);
        return;
      }
      result.vault = {
        url: vault.url,
        reachable: true,
        ...s,
        head: head ?? null,
        ...(s.attemptHistory ? { attempts: attemptHistoryJson(s.attemptHistory) } : {}),
      };
      lines.push(...describeVault(vault.url, s, head?.updatedAt ?? null));
    }
    out.result(withNote(result), [...lines, NOT_COVERED_LINE]);
  });
}

/** Snapshot names carry sequence and digest: listing them needs no key (Repository.listSnapshots does). */
async function snapshotNames(storage: Storage) {
  const out: { name: string; sequence: number; digest: string }[] = [];
  for await (const o of storage.list(layout.SNAPSHOTS_PREFIX)) {
    const p = layout.parseSnapshotName(o.name);
    if (p) out.push({ name: o.name, ...p });
  }
  return out.sort((a, b) => a.sequence - b.sequence);
}

function withNote(result: Record<string, unknown>): Record<string, unknown> {
  return { ...result, notEndToEndEncrypted: [...NOT_COVERED] };
}

function describeVault(url: string, s: StatusResponse, lastBackupMs: number | null): string[] {
  const lines = [`Vault:       ${url}`];
  if (s.state === "destroyed") {
    lines.push(`Vault state: DESTROYED${s.destroyedAt ? ` at ${localTime(s.destroyedAt)}` : ""} — too many wrong passwords; the key is gone forever`);
  } else if (s.state === "not_enabled") {
    lines.push("Vault state: password protection is off (no key in the vault)");
  } else {
    lines.push(`Vault state: enabled; ${s.attemptsRemaining} of ${s.policy.maxAttempts} attempts left, ${s.failureBudgetRemaining} in the lifetime budget`);
    if (s.lockedUntil && s.lockedUntil > Date.now()) lines.push(`Locked:      too many attempts — try again in ${describeWait(new Date(s.lockedUntil))}`);
    else if (s.attemptsRemaining === 1)
      lines.push(
        `Warning:     1 attempt left — the next wrong password locks it for ${describeLockWait(DEFAULT_LOCK_SCHEDULE.lockBaseMs)} (longer if it was locked before)`,
      );
    // Someone guessing shows here (spec §5.7); a vault of revision ≤ 2 says nothing.
    if (s.attemptHistory) lines.push(`Attempts:    ${attemptHistoryLine(s.attemptHistory)}`);
    lines.push(guessLimitLine(s.policy));
    if (lastBackupMs) lines.push(`Last backup: ${localTime(lastBackupMs)} (recorded by the vault)`);
  }
  return lines;
}
