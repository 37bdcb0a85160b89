import { test } from "node:test";
import assert from "node:assert/strict";
import { format, inspect } from "node:util";
import { toHex } from "./bytes.ts";
import { KeySchedule } from "./key-schedule.ts";
import { generateRootKey, RootKey, Secret } from "./secret.ts";

const bytes = Uint8Array.from({ length: 32 }, (_, i) => 0xa0 + i);
const hex = toHex(bytes);

/** Every way a secret commonly ends up in a log line. */
function renderings(x: unknown): string[] {
  return [
    String(x),
    `${x as string}`,
    JSON.stringify(x),
    JSON.stringify({ nested: { x } }),
    inspect(x),
    inspect({ nested: [x] }, { depth: 10 }),
    format("%s %o %O %j", x, x, x, x),
  ];
}

test("secrets print [redacted] via String, JSON and util.inspect, never their bytes", async () => {
  const keys = await KeySchedule.derive(new RootKey(bytes.slice()));
  for (const s of [new Secret(bytes.slice()), new RootKey(bytes.slice()), keys, keys.chunkEncryption]) {
    for (const r of renderings(s)) {
      assert.match(r, /\[redacted\]/, r);
      assert.ok(!r.includes(hex.slice(0, 8)) && !r.includes("160, 161"), `leaked: ${r}`);
    }
  }
  assert.equal(String(new RootKey(bytes.slice())), "[redacted]");
  assert.equal(JSON.stringify(new RootKey(bytes.slice())), '"[redacted]"');
  assert.equal(inspect(new RootKey(bytes.slice())), "RootKey [redacted]");
  assert.equal(inspect(keys), "KeySchedule [redacted]");
});

test("the bytes are reachable only through unsafeBytes(); wipe() zeroes them", () => {
  const s = new Secret(bytes.slice());
  assert.equal(s.length, 32);
  assert.deepEqual(s.unsafeBytes(), bytes);
  assert.deepEqual(Object.keys(s), [], "no enumerable field holds the bytes");
  s.wipe();
  assert.deepEqual(s.unsafeBytes(), new Uint8Array(32));
});

test("RootKey checks its input", () => {
  assert.throws(() => new RootKey(new Uint8Array(31)), { name: "RangeError", message: "root key must be 32 bytes, got 31" });
  assert.throws(() => new RootKey(new Uint8Array(33)), RangeError);
  assert.throws(() => new RootKey([1, 2, 3] as unknown as Uint8Array), TypeError);
});

test("generateRootKey: 32 fresh bytes from the CSPRNG", () => {
  const a = generateRootKey();
  const b = generateRootKey();
  assert.ok(a instanceof RootKey);
  assert.equal(a.unsafeBytes().length, 32);
  assert.notDeepEqual(a.unsafeBytes(), b.unsafeBytes());
});
