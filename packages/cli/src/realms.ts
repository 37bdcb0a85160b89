/**
 * Talking to a threshold realm set (spec/threshold-vault.md; the repository config's
 * realm set, spec/backup-format.md §8.2.1): the realms file, one account token per realm,
 * the account ID (the tokens' subject, the same at every realm), the pending deletes and
 * the last registration version this machine saw — kept beside the repository memory,
 * never a secret.
 *
 * Realms file (`--realms F`, JSON):
 *   {"threshold": 2, "realms": [{"url": "http://127.0.0.1:8471", "tokenFile": "a.token"}, …]}
 * `tokenFile` paths are relative to the realms file. A realm's ID is learned from its
 * `GET /realm/v1/info` at init and recorded in the config; later the config is the
 * authority and the file only supplies token files (matched by URL).
 */
import { readFile, mkdir, rename, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fromBase64Url, fromUtf8 } from "@chatvault/format";
import {
  RealmTransport,
  createContext,
  decodeField,
  parseKsf,
  type PendingDelete,
  type PendingDeletes,
  type RealmConfig,
  type RealmReport,
  type RealmSet,
  type ThresholdContext,
} from "@chatvault/vault-protocol/threshold";
import { nativeArgon2id } from "@chatvault/vault-protocol/node";
import { CliError, UsageError } from "./cli-error.ts";
import { EXIT } from "./exit-codes.ts";
import { configDir, recall, remember } from "./local-config.ts";
import { readSecretFile } from "./secrets.ts";

export interface RealmEntry {
  url: string;
  tokenFile: string;
}

export interface RealmsFile {
  threshold: number;
  realms: RealmEntry[];
}

/** The TEST ONLY cheap KSF (the realms must run with --allow-weak-ksf too). */
const TEST_KSF = { memoryKiB: 8, iterations: 1, parallelism: 1 };

export async function readRealmsFile(path: string): Promise<RealmsFile> {
  let j: { threshold?: unknown; realms?: unknown };
  try {
    j = JSON.parse(await readFile(path, "utf8")) as typeof j;
  } catch (e) {
    throw new UsageError(`cannot read the realms file ${path}: ${e instanceof SyntaxError ? "not valid JSON" : (e as Error).message}`);
  }
  const where = `realms file ${path}`;
  if (typeof j !== "object" || j === null || !Array.isArray(j.realms))
    throw new UsageError(`${where}: expected {"threshold": t, "realms": [{"url", "tokenFile"}, …]}`);
  const n = j.realms.length;
  if (n < 1 || n > 9) throw new UsageError(`${where}: 1 to 9 realms, got ${n}`);
  if (typeof j.threshold !== "number" || !Number.isInteger(j.threshold) || j.threshold < 1 || j.threshold > n)
    throw new UsageError(`${where}: threshold must be a whole number from 1 to ${n}`);
  const base = dirname(resolve(path));
  const realms = j.realms.map((r: unknown, i: number) => {
    const x = r as { url?: unknown; tokenFile?: unknown } | null;
    if (!x || typeof x.url !== "string" || !/^https?:\/\/[^\s]+$/.test(x.url)) throw new UsageError(`${where}: realm ${i + 1} needs an http(s) "url"`);
    if (typeof x.tokenFile !== "string" || x.tokenFile.length === 0) throw new UsageError(`${where}: realm ${i + 1} needs a "tokenFile"`);
    return { url: x.url.replace(/\/+$/, ""), tokenFile: resolve(base, x.tokenFile) };
  });
  if (new Set(realms.map((r) => r.url)).size !== n) throw new UsageError(`${where}: two realms have the same url`);
  return { threshold: j.threshold, realms };
}

/** The unverified subject of a JWT (each realm verifies the token; we only need the account ID it names). */
function tokenSubject(token: string, url: string): string {
  try {
    const sub = (JSON.parse(fromUtf8(fromBase64Url(token.split(".")[1] ?? ""))) as { sub?: unknown }).sub;
    if (typeof sub === "string" && sub.length > 0) return sub;
  } catch {
    // fall through
  }
  throw new UsageError(`the account token for ${url} is not a JWT with a subject`);
}

export interface RealmConnection {
  ctx: ThresholdContext;
  realmSet: RealmSet;
  accountId: string;
  /** Token file per realm URL (remembered per repository). */
  tokenFiles: Record<string, string>;
}

/** Build the threshold client for a realm set whose tokens are in `tokenFiles` (by URL). */
export async function connectRealmSet(
  realmSet: RealmSet,
  tokenFiles: Record<string, string>,
  opts: { repoId?: string; warn: (l: string) => void },
): Promise<RealmConnection> {
  const tokens = new Map<string, string>();
  let accountId: string | undefined;
  for (const r of realmSet.realms) {
    const file = tokenFiles[r.url];
    if (!file) throw new UsageError(`no account token for realm ${r.url}: pass --realms FILE naming a tokenFile for it`);
    const token = (await readSecretFile(file, `account token for ${r.url}`, opts.warn)).trim();
    const sub = tokenSubject(token, r.url);
    if (accountId !== undefined && sub !== accountId)
      throw new UsageError(`the account tokens name different accounts (${accountId}, ${sub}): every realm must know the same account`);
    accountId = sub;
    tokens.set(r.id, token);
    if (r.url.startsWith("http://") && !/^http:\/\/(localhost|127\.|\[::1\])/.test(r.url))
      opts.warn(`warning: the realm at ${r.url} is not reached over HTTPS; its account token travels in the clear`);
  }
  const weak = process.env.CHATVAULT_INSECURE_TEST_KSF === "1";
  const mem = opts.repoId ? await recall(opts.repoId) : {};
  const ctx = createContext({
    realmSet,
    accountId: accountId!,
    tokenFor: (r: RealmConfig) => tokens.get(r.id)!,
    argon2: nativeArgon2id,
    ...(weak ? { ksf: TEST_KSF, allowWeakKsf: true } : {}),
    ...(mem.realmVersion ? { knownVersion: mem.realmVersion } : {}),
    ...(opts.repoId ? { pendingDeletes: new FilePendingDeletes(opts.repoId) } : {}),
  });
  if (opts.repoId) await new FileUnlockHint(opts.repoId).applyTo(ctx);
  return { ctx, realmSet, accountId: accountId!, tokenFiles };
}

/**
 * Init: ask each realm of the file for its ID (`/info`, no token sent) and build the set.
 * A realm that does not answer stops init (exit 8, naming it): a set is recorded whole.
 */
export async function discoverRealms(file: RealmsFile): Promise<RealmSet> {
  const reports: RealmReport[] = [];
  const realms: RealmConfig[] = [];
  await Promise.all(
    file.realms.map(async (r, i) => {
      try {
        const info = await new RealmTransport({ id: "", url: r.url }, { tokenFor: () => "", timeoutMs: 10_000 }).info();
        realms[i] = { id: info.realmId, url: r.url };
      } catch (e) {
        reports[i] = { id: "?", url: r.url, status: "unreachable", code: (e as { code?: string }).code ?? "unavailable" };
      }
    }),
  );
  const missing = reports.filter(Boolean);
  if (missing.length > 0) {
    throw new CliError(
      EXIT.vaultUnreachable,
      "realms_unavailable",
      `cannot reach ${missing.length} of ${file.realms.length} realms: ${missing.map((m) => m.url).join(", ")}; init records the whole set, so every realm must answer`,
      { details: { missing: missing.map((m) => m.url) } },
    );
  }
  if (new Set(realms.map((r) => r.id)).size !== realms.length) throw new UsageError("two URLs of the realms file are the same realm (same realm ID)");
  return { threshold: file.threshold, realms };
}

/** Token files from a realms file, by URL. */
export function tokenFilesOf(file: RealmsFile): Record<string, string> {
  return Object.fromEntries(file.realms.map((r) => [r.url, r.tokenFile]));
}

/** One line per realm: how it took part ("ok", "unreachable", …). */
export function realmLines(reports: readonly RealmReport[]): string[] {
  return reports.map((r) => `  realm ${r.url} (${r.id}): ${r.status}${r.reason ? ` (${r.reason})` : ""}${r.code && r.status !== "ok" ? ` [${r.code}]` : ""}`);
}

/** "2 of 3 realms answered (not answering: http://…)" for restore and unlock notes. */
export function answeredLine(reports: readonly RealmReport[]): string {
  const ok = reports.filter((r) => r.status === "ok" || r.status === "stale");
  const not = reports.filter((r) => !(r.status === "ok" || r.status === "stale"));
  return `${ok.length} of ${reports.length} realms answered${not.length ? ` (did not: ${not.map((r) => `${r.url} ${r.status}`).join(", ")})` : ""}`;
}

export async function rememberRealms(repoId: string, c: RealmConnection, version?: number): Promise<void> {
  const stable = Object.fromEntries(
    Object.entries(c.tokenFiles)
      .filter(([, f]) => !/^\/(dev|proc)\//.test(f))
      .map(([u, f]) => [u, resolve(f)]),
  );
  await remember(repoId, { realmTokenFiles: stable, ...(version ? { realmVersion: version } : {}) });
}

/** Pending deletes of a realm set (spec/threshold-vault.md §6.7), one JSON file per repository. */
export class FilePendingDeletes implements PendingDeletes {
  readonly #path: string;
  constructor(repoId: string) {
    this.#path = join(configDir(), "pending-deletes", `${repoId}.json`);
  }
  async list(): Promise<PendingDelete[]> {
    try {
      const j = JSON.parse(await readFile(this.#path, "utf8")) as unknown;
      return Array.isArray(j) ? (j as PendingDelete[]) : [];
    } catch {
      return [];
    }
  }
  async add(d: PendingDelete): Promise<void> {
    await this.#write([...(await this.list()).filter((x) => x.realmId !== d.realmId), d]);
  }
  async remove(realmId: string): Promise<void> {
    const all = await this.list();
    if (all.some((x) => x.realmId === realmId)) await this.#write(all.filter((x) => x.realmId !== realmId));
  }
  async #write(items: PendingDelete[]): Promise<void> {
    await mkdir(dirname(this.#path), { recursive: true, mode: 0o700 });
    const tmp = `${this.#path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(items, null, 2) + "\n", { mode: 0o600 });
    await rename(tmp, this.#path);
  }
}

/**
 * The unlock hint of spec/threshold-vault.md §6.2.1 kept on this machine, so that a fresh
 * process is as warm as the context that unlocked last: the public parameters of the
 * registration (what `/record` answers the token holder) and the positions of the t realms whose
 * shares gave K. Not a secret; one JSON file per repository (0600). Saved after every unlock,
 * so a context that met a lock also leaves its hint cleared (a locked account's unlocks then
 * spend nothing, §6.2). A file that does not parse is ignored (phase 1 as on a new machine); a
 * wrong hint can at worst make the starts name a registration that is not chosen (§6.2.1).
 */
export class FileUnlockHint {
  readonly #path: string;
  constructor(repoId: string) {
    this.#path = join(configDir(), "realm-hints", `${repoId}.json`);
  }
  async applyTo(ctx: ThresholdContext): Promise<void> {
    let j: Record<string, unknown>;
    try {
      j = JSON.parse(await readFile(this.#path, "utf8")) as Record<string, unknown>;
    } catch {
      return;
    }
    const t = ctx.realmSet.threshold;
    const n = ctx.realmSet.realms.length;
    const p = j.lastUnlocked as Record<string, unknown> | undefined;
    try {
      if (!p || typeof p !== "object" || !Number.isSafeInteger(p.version) || (p.version as number) < 1) return;
      if (typeof p.registrationId !== "string" || !decodeField(p.registrationId, 16)) return;
      if (typeof p.salt !== "string" || !decodeField(p.salt, 32)) return;
      ctx.lastUnlocked = { version: p.version as number, registrationId: p.registrationId, salt: p.salt, ksf: parseKsf(p.ksf) };
    } catch {
      return;
    }
    const at = j.startAt;
    if (Array.isArray(at) && at.length === t && at.every((x) => Number.isSafeInteger(x) && x >= 0 && x < n) && new Set(at).size === t)
      ctx.startAt = at as number[];
  }
  async save(ctx: ThresholdContext): Promise<void> {
    await mkdir(dirname(this.#path), { recursive: true, mode: 0o700 });
    const tmp = `${this.#path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ lastUnlocked: ctx.lastUnlocked ?? null, startAt: ctx.startAt ?? null }, null, 2) + "\n", { mode: 0o600 });
    await rename(tmp, this.#path);
  }
}

/** A realms-mode repository's realm set (from its config) with the token files: --realms FILE, else remembered. */
export async function realmsForRepository(
  realmSet: RealmSet,
  repoId: string,
  realmsFlag: string | undefined,
  warn: (l: string) => void,
): Promise<RealmConnection> {
  const mem = await recall(repoId);
  const given = realmsFlag ?? (process.env.CHATVAULT_REALMS_FILE || undefined);
  const files = { ...(mem.realmTokenFiles ?? {}), ...(given ? tokenFilesOf(await readRealmsFile(given)) : {}) };
  return connectRealmSet(realmSet, files, { repoId, warn });
}

/** For --json: how many realms answered, and which did not (restore, backup). */
export function realmsAnswered(reports: readonly RealmReport[]) {
  const ok = (r: RealmReport) => r.status === "ok" || r.status === "stale";
  return {
    answered: reports.filter(ok).length,
    of: reports.length,
    notAnswering: reports.filter((r) => !ok(r)).map((r) => ({ id: r.id, url: r.url, status: r.status, ...(r.code ? { code: r.code } : {}) })),
  };
}
