/**
 * The client's group arithmetic of one 2-of-3 unlock (spec/threshold-vault.md §6.3), A/B in
 * one run: three element checks, the extra member's interpolation check and the combination
 * Σ λ·Z, on @noble/curves (before) and on libsodium (packages/vault-protocol/src/threshold/
 * combine.ts, after). CPU time (process.cpuUsage) per unlock, median of rounds.
 * `node --conditions=chatvault-source --import tsx bench/realms-client-group.ts [unlocks]`
 */
import { groupArithmetic, sameElement } from "../packages/vault-protocol/src/threshold/combine.ts";
import { Fn, Point, evaluatePolynomial, interpolatePoints } from "../packages/vault-protocol/src/threshold/shamir.ts";

const unlocks = Number(process.argv[2] ?? 200);
const g = await groupArithmetic();
const rand = () => Fn.create(BigInt("0x" + Buffer.from(crypto.getRandomValues(new Uint8Array(40))).toString("hex")));
const poly = [rand(), rand()];
const blinded = Point.BASE.multiply(rand());
const evaluated = [1, 2, 3].map((i) => blinded.multiply(evaluatePolynomial(poly, i)).toBytes());

function noble(): Uint8Array {
  const pts = evaluated.map((e, k) => {
    const p = Point.fromBytes(e);
    if (p.equals(Point.ZERO)) throw new Error("identity");
    return { index: k + 1, point: p };
  });
  if (!interpolatePoints(pts.slice(0, 2), 3).equals(pts[2]!.point)) throw new Error("off the polynomial");
  return interpolatePoints(pts.slice(0, 2)).toBytes();
}
function sodium(): Uint8Array {
  for (const e of evaluated) if (!g.isNonIdentityElement(e)) throw new Error("identity");
  const els = evaluated.map((e, k) => ({ index: k + 1, element: e }));
  if (!sameElement(g.interpolate(els.slice(0, 2), 3), els[2]!.element)) throw new Error("off the polynomial");
  return g.interpolate(els.slice(0, 2));
}
if (Buffer.compare(noble(), sodium()) !== 0) throw new Error("the two disagree");

function cpuMsPerUnlock(f: () => Uint8Array): number {
  const c0 = process.cpuUsage();
  for (let i = 0; i < unlocks; i++) f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / unlocks;
}
const rounds: { noble: number; sodium: number }[] = [];
for (let r = 0; r < 7; r++) rounds.push({ noble: cpuMsPerUnlock(noble), sodium: cpuMsPerUnlock(sodium) });
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const n = median(rounds.map((r) => r.noble));
const s = median(rounds.map((r) => r.sodium));
console.log(
  `client group arithmetic per 2-of-3 unlock (CPU ms, median of 7 × ${unlocks}): @noble/curves ${n.toFixed(3)} → libsodium ${s.toFixed(3)} (${(n / s).toFixed(1)}×)`,
);
