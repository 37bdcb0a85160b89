/**
 * `backup --if-older-than <age>`: a frequent timer (hourly) can run `backup` and have it
 * do nothing while the newest snapshot is recent. The newest snapshot is the one a backup
 * would build on (resolved against the freshness head, spec §8.6), its time the one its
 * manifest records (the writer's clock).
 */
import { InvalidArgumentError } from "commander";
import type { HeadStore, Repository } from "@chatvault/sdk/core";

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** "90s", "30m", "24h", "7d", "2w" → milliseconds (a whole number and one unit). */
export function parseAge(v: string): number {
  const m = /^(\d{1,6})([smhdw])$/.exec(v.trim());
  if (!m) throw new InvalidArgumentError("--if-older-than must be a whole number and a unit: s, m, h, d or w (e.g. 24h, 7d)");
  return Number(m[1]) * UNITS[m[2]!]!;
}

/** "3 h 12 min", "2 d 4 h", "45 s": how old something is, for the one-line note. */
export function describeAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h ${min % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

export interface RecentSnapshot {
  sequence: number;
  digest: string;
  time: string;
  ageMs: number;
}

/** The newest snapshot when it is younger than `maxAgeMs`, else undefined (a backup is due). */
export async function recentSnapshot(repo: Repository, heads: HeadStore, maxAgeMs: number, now = Date.now()): Promise<RecentSnapshot | undefined> {
  const latest = await repo.resolveSnapshot(heads);
  if (!latest) return undefined;
  const t = Date.parse(latest.manifest.time);
  const ageMs = now - t;
  // A snapshot time in the future (another machine's clock) counts as recent: age 0.
  if (!Number.isFinite(t) || ageMs >= maxAgeMs) return undefined;
  return { sequence: latest.ref.sequence, digest: latest.ref.digest, time: latest.manifest.time, ageMs: Math.max(0, ageMs) };
}
