/**
 * Client CPU of the pieces of a warm 2-of-3 unlock, each repeated alone (process.cpuUsage,
 * µs per call, median of ROUNDS rounds): one realm request (`/record`, as a transport call),
 * RFC 9497 Blind and Finalize (@noble/curves), the HKDF/HMAC derivations of an unlock.
 * `node --conditions=chatvault-source --import tsx bench/realms-client-costs.ts [calls]`
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { useNodeCrypto } from "@chatvault/format/node";
import { unlock } from "@chatvault/vault-protocol/threshold";
import { startBenchRealms } from "./realm-processes.ts";
import { oprfInput, voprf, oprf, deriveUnlockKey, unlockCheck, unlockTag, shareTag } from "../packages/vault-protocol/src/threshold/derive.ts";

const calls = Number(process.argv[2] ?? 300);
const rounds = Number(process.env.ROUNDS ?? 5);
useNodeCrypto();
const dir = join("/tmp", `realms-costs-${process.pid}`);
const bench = await startBenchRealms(dir, 16);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function cost(name: string, f: () => unknown) {
  for (let i = 0; i < 30; i++) await f();
  const per: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < calls; i++) await f();
    const c = process.cpuUsage(c0);
    per.push((c.user + c.system) / calls);
  }
  console.log(`${median(per).toFixed(1).padStart(8)} µs  ${name}  (rounds ${per.map((x) => x.toFixed(0)).join(" ")})`);
}
try {
  const { realms } = await bench.enrol("realm-costs", "pw (costs)");
  await unlock(realms, "pw (costs)");
  const api = realms.apis[2]!;
  await cost("one realm request (/record, transport)", () => api.record());
  await cost("one realm request (/info, no token)", () => api.info());
  const input = oprfInput("realm-costs", new Uint8Array(32).fill(7));
  const { blind, blinded } = voprf.blind(input);
  await cost("RFC 9497 Blind (@noble/curves)", () => voprf.blind(input));
  await cost("RFC 9497 Finalize (@noble/curves)", () => oprf.finalize(input, blind, blinded));
  const out = new Uint8Array(64).fill(3);
  const rid = new Uint8Array(16).fill(1);
  await cost("HKDF UK + unlockCheck + 2 unlockTags + 2 shareTags (@noble/hashes)", () => {
    const uk = deriveUnlockKey(out, rid);
    unlockCheck(uk, "realm-costs", 1);
    for (let i = 0; i < 2; i++) {
      unlockTag(uk, rid, "realm-costs", 1);
      shareTag(uk, rid, i + 1, out.subarray(0, 32), 1);
    }
  });
  await cost("a whole warm unlock", () => unlock(realms, "pw (costs)"));
} finally {
  await bench.stop();
  rmSync(dir, { recursive: true, force: true });
}
