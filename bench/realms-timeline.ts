/**
 * A wall-clock timeline of sequential warm 2-of-3 unlocks, per phase (docs/performance.md,
 * threshold realms, round 5): each realm call's issue and answer time relative to the unlock's
 * start, and the Argon2id call, as medians over `unlocks` unlocks after a warm-up; and how often
 * the realm outside the started ones (realm 3's `/record`) answered after both `start` answers,
 * i.e. how often waiting for every view of phase 1 was on the critical path.
 * `node --conditions=chatvault-source --import tsx bench/realms-timeline.ts [unlocks]`
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { useNodeCrypto } from "@chatvault/format/node";
import { unlock, type RealmApi } from "@chatvault/vault-protocol/threshold";
import { startBenchRealms } from "./realm-processes.ts";

const unlocks = Number(process.argv[2] ?? 200);
useNodeCrypto();
const dir = join("/tmp", `realms-timeline-${process.pid}`);
const bench = await startBenchRealms(dir, 16);
try {
  const clients = await bench.enrol("realm-timeline", "pw (timeline)");
  const ctx = clients.realms;
  let t0 = 0;
  let events: string[] = [];
  const marks = new Map<string, number[]>();
  const mark = (name: string, t: number) => {
    const n = events.filter((e) => e === name).length;
    const key = n ? `${name}#${n + 1}` : name;
    events.push(name);
    marks.set(key, [...(marks.get(key) ?? []), t - t0]);
  };
  ctx.apis = ctx.apis.map(
    (api, k) =>
      new Proxy(api, {
        get(target, prop, recv) {
          const v = Reflect.get(target, prop, recv) as unknown;
          if (typeof v !== "function") return v;
          return (...args: unknown[]) => {
            mark(`realm ${k + 1} ${String(prop)} issued`, performance.now());
            return (v as (...a: unknown[]) => Promise<unknown>).apply(target, args).then((r) => {
              mark(`realm ${k + 1} ${String(prop)} answered`, performance.now());
              return r;
            });
          };
        },
      }) as RealmApi,
  );
  const argon2 = ctx.argon2;
  ctx.argon2 = async (i) => {
    mark("argon2 called", performance.now());
    const r = await argon2(i);
    mark("argon2 done", performance.now());
    return r;
  };
  for (let i = 0; i < 30; i++) await unlock(ctx, "pw (timeline)");
  marks.clear();
  const total: number[] = [];
  // How often a realm outside the started ones answered phase 1 after the last started realm did (its
  // answer then sat on the critical path of a client that waits for every view of phase 1).
  let lateRecord = 0;
  let lateBy = 0;
  for (let i = 0; i < unlocks; i++) {
    events = [];
    const before = new Map([...marks].map(([k, v]) => [k, v.length]));
    t0 = performance.now();
    await unlock(ctx, "pw (timeline)");
    total.push(performance.now() - t0);
    const last = (k: string) => ((marks.get(k)?.length ?? 0) > (before.get(k) ?? 0) ? marks.get(k)!.at(-1)! : undefined);
    const rec = last("realm 3 record answered");
    const starts = [last("realm 1 start answered"), last("realm 2 start answered")].filter((x) => x !== undefined);
    if (rec !== undefined && starts.length === 2 && rec > Math.max(...starts)) {
      lateRecord++;
      lateBy += rec - Math.max(...starts);
    }
  }
  console.log(
    `realm 3's /record answered after both starts in ${lateRecord} of ${unlocks} unlocks (by ${lateRecord ? (lateBy / lateRecord).toFixed(2) : 0} ms on average)`,
  );
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const rows = [...marks.entries()].map(([k, v]) => [k, median(v), v.length] as const).sort((a, b) => a[1] - b[1]);
  for (const [k, m, n] of rows) console.log(`${m.toFixed(3).padStart(8)} ms  ${k}${n !== unlocks ? ` (${n})` : ""}`);
  console.log(`${median(total).toFixed(3).padStart(8)} ms  unlock done (p50 of ${unlocks})`);
} finally {
  await bench.stop();
  rmSync(dir, { recursive: true, force: true });
}
