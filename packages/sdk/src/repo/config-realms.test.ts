/**
 * Config version 3 (spec §8.2.1): a realm-set repository. The storage provider cannot
 * swap, add, drop or reorder a realm, lower the threshold, or turn the config into a
 * single-vault one, without the MAC failing; malformed realm sets are refused on parse.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { IntegrityError, fromUtf8, generateRootKey, utf8 } from "@chatvault/format";
import { MemoryStorage } from "@chatvault/storage";
import { Repository } from "./repository.ts";
import { parseConfig } from "./config.ts";

const SET = {
  threshold: 2,
  realms: [
    { id: "AAECAwQFBgcICQoLDA0ODw", url: "http://127.0.0.1:1001" },
    { id: "EBESExQVFhcYGRobHB0eHw", url: "http://127.0.0.1:1002" },
    { id: "ICEiIyQlJicoKSorLC0uLw", url: "http://127.0.0.1:1003" },
  ],
};

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a config as the provider edits it

async function realmsRepo() {
  const storage = new MemoryStorage();
  const root = generateRootKey();
  await Repository.init(storage, root, { protection: "realms", realmSet: SET });
  return { storage, root };
}

async function rewrite(storage: MemoryStorage, edit: (j: Json) => void): Promise<void> {
  const j = JSON.parse(fromUtf8(await storage.get("config"))) as Json;
  edit(j);
  await storage.delete("config");
  await storage.put("config", utf8(JSON.stringify(j)));
}

test("config v3: a realm-set repository is written as version 3 and opens with its realm set", async () => {
  const { storage, root } = await realmsRepo();
  const parsed = parseConfig(await storage.get("config"));
  assert.equal(parsed.config.version, 3);
  assert.equal(parsed.config.protection, "realms");
  assert.deepEqual(parsed.config.realmSet, SET);
  const repo = await Repository.open(storage, root);
  assert.deepEqual(repo.config.realmSet, SET);
  // Other protections keep version 2: v3 is only for realm sets (separable from other bumps).
  const other = new MemoryStorage();
  await Repository.init(other, generateRootKey(), { protection: "password", vaultUrl: "https://vault.example" });
  assert.equal(parseConfig(await other.get("config")).config.version, 2);
});

test("config v3: every change to the realm set or the mode fails authentication", async () => {
  const edits: Array<[string, (j: Json) => void]> = [
    ["realm URL redirected", (j) => void (j.realms.realms[1].url = "http://attacker.example")],
    ["realm swapped", (j) => void (j.realms.realms[2].id = "MDEyMzQ1Njc4OTo7PD0-Pw")],
    ["realm added", (j) => void j.realms.realms.push({ id: "MDEyMzQ1Njc4OTo7PD0-Pw", url: "http://attacker.example" })],
    ["realm dropped", (j) => void j.realms.realms.pop()],
    ["realms reordered", (j) => void j.realms.realms.reverse()],
    ["threshold lowered", (j) => void (j.realms.threshold = 1)],
    ["vault URL added", (j) => void (j.vaultUrl = "http://attacker.example")],
  ];
  for (const [name, edit] of edits) {
    const { storage, root } = await realmsRepo();
    await rewrite(storage, edit);
    await assert.rejects(Repository.open(storage, root), (e: unknown) => e instanceof IntegrityError && e.reason === "auth_failed", name);
  }
  // Downgrades to a single vault are structurally refused or fail the MAC.
  const { storage, root } = await realmsRepo();
  await rewrite(storage, (j) => {
    j.version = 2;
    j.protection = "password";
    j.vaultUrl = SET.realms[0]!.url;
    delete j.realms;
  });
  await assert.rejects(Repository.open(storage, root), (e: unknown) => e instanceof IntegrityError && e.reason === "auth_failed", "switched to one vault");
});

test("config v3: malformed realm sets are refused as bad_structure before any key is used", async () => {
  const { storage } = await realmsRepo();
  const base = JSON.parse(fromUtf8(await storage.get("config"))) as Json;
  const cases: Array<[string, (j: Json) => void]> = [
    ["no realms", (j) => void delete j.realms],
    ["realms not an object", (j) => void (j.realms = "x")],
    ["empty set", (j) => void (j.realms.realms = [])],
    [
      "ten realms",
      (j) => void (j.realms.realms = Array.from({ length: 10 }, (_x, i) => ({ id: "AAECAwQFBgcICQoLDA0OD" + "ABCDEFGHIJ"[i], url: `http://h${i}` }))),
    ],
    ["threshold 0", (j) => void (j.realms.threshold = 0)],
    ["threshold above n", (j) => void (j.realms.threshold = 4)],
    ["threshold fractional", (j) => void (j.realms.threshold = 1.5)],
    ["id not 16 bytes", (j) => void (j.realms.realms[0].id = "AAEC")],
    ["url not http", (j) => void (j.realms.realms[0].url = "file:///etc/passwd")],
    ["duplicate url", (j) => void (j.realms.realms[1].url = j.realms.realms[0].url)],
    ["duplicate id", (j) => void (j.realms.realms[1].id = j.realms.realms[0].id)],
    ["realms in version 2", (j) => void (j.version = 2)],
    ["password protection in version 3", (j) => void (j.protection = "password")],
  ];
  for (const [name, edit] of cases) {
    const j = structuredClone(base);
    edit(j);
    assert.throws(
      () => parseConfig(utf8(JSON.stringify(j))),
      (e: unknown) => e instanceof IntegrityError && e.reason === "bad_structure",
      name,
    );
  }
});

test("config v3 fuzz: any realm set round-trips; any mutation of the bytes parses or fails with IntegrityError, never anything else", async () => {
  const fc = (await import("fast-check")).default;
  const { encodeConfig } = await import("./config.ts");
  const { KeySchedule } = await import("@chatvault/format");
  const root = generateRootKey();
  const keys = await KeySchedule.derive(root);
  const realmId = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString("base64url"));
  const realmSet = fc
    .uniqueArray(fc.record({ id: realmId, port: fc.integer({ min: 1, max: 65535 }) }), { minLength: 1, maxLength: 9, selector: (r) => r.id })
    .filter((rs) => new Set(rs.map((r) => r.port)).size === rs.length)
    .chain((rs) =>
      fc.integer({ min: 1, max: rs.length }).map((threshold) => ({ threshold, realms: rs.map((r) => ({ id: r.id, url: `http://127.0.0.1:${r.port}` })) })),
    );
  const base = {
    version: 3 as const,
    repoId: "00".repeat(16),
    created: "2026-12-01T00:00:00.000Z",
    protection: "realms" as const,
    chunker: { min: 256 * 1024, avg: 1024 * 1024, max: 4 * 1024 * 1024 },
    packSize: 8 * 1024 * 1024,
    keyCheck: keys.keyCheck,
  };
  await fc.assert(
    fc.asyncProperty(realmSet, async (set) => {
      const bytes = await encodeConfig({ ...base, realmSet: set }, keys);
      const parsed = parseConfig(bytes);
      assert.deepEqual(parsed.config.realmSet, set);
      const { authenticateConfig } = await import("./config.ts");
      await authenticateConfig(parsed, keys);
    }),
    { numRuns: 100 },
  );
  const good = await encodeConfig({ ...base, realmSet: SET }, keys);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: good.length - 1 }), fc.integer({ min: 0, max: 255 }), (at, byte) => {
      const bytes = good.slice();
      bytes[at] = byte;
      try {
        parseConfig(bytes);
      } catch (e) {
        assert.ok(e instanceof IntegrityError, `unexpected ${String(e)}`);
      }
    }),
    { numRuns: 2000 },
  );
});
