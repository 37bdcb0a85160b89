/**
 * Writes spec/vectors/*.json (spec/backup-format.md "Test vectors").
 * Deterministic: fixed keys, and every nonce and salt comes from an injected RandomSource,
 * so re-running it reproduces the committed files byte for byte (vectors.test.ts checks).
 *
 *   node --import tsx packages/format/scripts/generate-vectors.ts
 *
 * The STREAM vectors are in stream-vectors.ts (malformed streams built from the spec's own
 * description of STREAM), the pieces every generator shares in vector-file.ts.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { CryptoBackend } from "../src/backend.ts";
import { webCryptoBackend } from "../src/backend.ts";
import { concatBytes, toHex, utf8 } from "../src/bytes.ts";
import { Chunker, DEFAULT_CHUNKER_PARAMS, LISTING_CHUNKER_PARAMS, type ChunkerParams } from "../src/chunker.ts";
import { formatKey } from "../src/key-codec.ts";
import { chunkId, gearTable, KeySchedule } from "../src/key-schedule.ts";
import { LABELS, ROOT_SALT } from "../src/labels.ts";
import { ObjectKind, sealObject, type ObjectContext } from "../src/object.ts";
import { configMac, type ConfigMacFields } from "../src/config-mac.ts";
import { RootKey } from "../src/secret.ts";
import { fixedRandom, seededBytes } from "../src/testing/fixtures.ts";
import { expandInput, outcomeOf, subkeysOf, type Expected, type Vector, type VectorFile, type VectorFileName } from "../src/vectors/run-vectors.ts";
import { file, flip, idField, integrity, seq } from "./vector-file.ts";
import { streamVectors } from "./stream-vectors.ts";

const KEYS = {
  zero: new Uint8Array(32),
  sequential: seq(32),
  ones: new Uint8Array(32).fill(0xff),
  mixed: seededBytes(2, 32),
};
const root = (b: Uint8Array) => new RootKey(b.slice());

// §4 — the 64-digit key.
function keyCodecVectors(): VectorFile {
  const v: Vector[] = [];
  for (const [name, k] of Object.entries(KEYS)) {
    v.push({ name: `format ${name} key`, op: "format", key: toHex(k), expected: "success", output: formatKey(root(k)) });
  }
  const key = toHex(KEYS.mixed);
  const canon = formatKey(root(KEYS.mixed));
  const groups = canon.split(" ");
  const ok = (name: string, input: string) => v.push({ name, op: "parse", input, expected: "success", key });
  const bad = (name: string, input: string, message: string) => v.push({ name, op: "parse", input, expected: { error: "key_format", message } });
  ok("canonical form", canon);
  ok("uppercase", canon.toUpperCase());
  ok("mixed case", [...canon].map((c, i) => (i % 3 ? c : c.toUpperCase())).join(""));
  ok("no separators", key);
  ok("dashes between groups", groups.join("-"));
  ok("four lines of four groups (LF)", [0, 4, 8, 12].map((i) => groups.slice(i, i + 4).join(" ")).join("\n"));
  ok("CRLF line breaks", [0, 4, 8, 12].map((i) => groups.slice(i, i + 4).join(" ")).join("\r\n"));
  ok("tabs", groups.join("\t"));
  ok("separators around the key", ` \n\t${canon}\r\n `);
  ok("a separator between every digit", [...key].join(" "));
  ok("runs of mixed separators", groups.join(" - \n"));
  ok("groups of eight", key.replace(/(.{8})(?!$)/g, "$1 "));
  bad("empty", "", "0 digits, expected 64");
  bad("separators only", " - \n ", "0 digits, expected 64");
  bad("one digit", "a", "1 digit, expected 64");
  bad("63 digits (too short)", canon.slice(0, -1), "63 digits, expected 64");
  bad("last group missing", groups.slice(0, 15).join(" "), "60 digits, expected 64");
  bad("65 digits (too long)", `${canon}0`, "65 digits, expected 64");
  bad("17 groups (too long)", `${canon} 0000`, "68 digits, expected 64");
  bad("key pasted twice", `${canon}\n${canon}`, "128 digits, expected 64");
  bad("'g' at position 17", canon.slice(0, 16) + "g" + canon.slice(17), "'g' at position 17 is not a hex digit");
  bad("letter o for zero", "o" + canon.slice(1), "'o' at position 1 is not a hex digit");
  bad("underscore separator", groups.join("_"), "'_' at position 5 is not a hex digit");
  bad("dot separator", groups.join("."), "'.' at position 5 is not a hex digit");
  bad("colon separator", groups.join(":"), "':' at position 5 is not a hex digit");
  bad("0x prefix", `0x${key}`, "'x' at position 2 is not a hex digit");
  bad("NUL byte", `${groups[0]}\u0000${groups.slice(1).join(" ")}`, "control character U+0000 at position 5 is not a hex digit");
  bad("no-break space", groups.join("\u00a0"), "character U+00A0 at position 5 is not a hex digit");
  bad("zero-width space", `\u200b${canon}`, "character U+200B at position 1 is not a hex digit");
  bad("non-ASCII letter", `é${canon.slice(1)}`, "'é' (U+00E9) at position 1 is not a hex digit");
  bad("fullwidth digit", `\uff10${canon.slice(1)}`, "'０' (U+FF10) at position 1 is not a hex digit");
  bad("emoji counts as one position", `🔑 ${canon}`, "'🔑' (U+1F511) at position 1 is not a hex digit");
  bad("text longer than 1024 characters", `${canon}${" ".repeat(1025 - canon.length)}`, "key text is 1025 characters long; a key is 64 digits");
  return file("key-codec", "spec/backup-format.md §4", "Formatting and parsing the 64-digit key. key = root key bytes in hex.", v);
}

// §3 — key schedule and key-check value.
async function keyScheduleVectors(backend: CryptoBackend): Promise<VectorFile> {
  const v: Vector[] = [{ name: "labels and root salt", op: "labels", labels: { ...LABELS }, root_salt: ROOT_SALT, expected: "success" }];
  const inputs = [new Uint8Array(0), Uint8Array.of(0), utf8("hello, chatvault")];
  for (const [name, k] of Object.entries(KEYS)) {
    const keys = await KeySchedule.derive(root(k), backend);
    const subkeys = Object.fromEntries(Object.entries(subkeysOf(keys)).map(([n, b]) => [n, toHex(b)]));
    const chunkIds = [];
    for (const input of inputs) chunkIds.push({ input: toHex(input), id: toHex(await chunkId(keys, input)) });
    v.push({
      name: `derive from ${name} root key`,
      op: "derive",
      root_key: toHex(k),
      expected: "success",
      subkeys,
      gear_table_head: Array.from(gearTable(keys).subarray(0, 4)),
      chunk_ids: chunkIds,
    });
  }
  const a = await KeySchedule.derive(root(KEYS.sequential), backend);
  const b = await KeySchedule.derive(root(KEYS.mixed), backend);
  const check = (name: string, stored: Uint8Array, expected: Expected) =>
    v.push({ name, op: "key_check", root_key: toHex(KEYS.sequential), stored: toHex(stored), expected });
  check("key-check value matches", a.keyCheck, "success");
  check("key-check value of another key", b.keyCheck, { error: "wrong_key" });
  check("key-check value with one bit flipped", flip(a.keyCheck, 15), { error: "wrong_key" });
  check("key-check value cut to 15 bytes", a.keyCheck.subarray(0, 15), { error: "wrong_key" });
  return file("key-schedule", "spec/backup-format.md §3", "HKDF-SHA256 subkeys of the root key, the gear table head (u32), keyed chunk IDs, key-check.", v);
}

// §5 — sealed objects.
async function objectVectors(backend: CryptoBackend): Promise<VectorFile> {
  const v: Vector[] = [];
  const key = seededBytes(10, 32);
  let n = 0;
  const seal = async (name: string, ctx: ObjectContext, plaintext: Uint8Array, k = key, comment?: string) => {
    const nonce = seededBytes(1000 + n++, 12);
    const sealed = await sealObject(backend, k, ctx, plaintext, fixedRandom(nonce));
    v.push({
      name,
      ...(comment ? { comment } : {}),
      key: toHex(k),
      kind: ctx.kind,
      id: idField(ctx.id),
      nonce: toHex(nonce),
      plaintext: toHex(plaintext),
      sealed: toHex(sealed),
      expected: "success",
    });
    return sealed;
  };
  await seal("empty plaintext", { kind: ObjectKind.config, id: "config" }, new Uint8Array(0));
  await seal("one byte", { kind: ObjectKind.snapshot, id: "snapshots/00000001" }, Uint8Array.of(0x2a));
  await seal("empty object id", { kind: ObjectKind.head, id: "" }, utf8("head"));
  await seal("255-byte object id", { kind: ObjectKind.index, id: seq(255) }, seq(300));
  await seal("non-ASCII id is UTF-8", { kind: ObjectKind.snapshot, id: "ünïcødé/📦" }, utf8("manifest"));
  const ks = await KeySchedule.derive(root(KEYS.sequential), backend);
  const chunk = seededBytes(11, 1000);
  await seal(
    "chunk bound to its keyed ID",
    { kind: ObjectKind.chunk, id: await chunkId(ks, chunk) },
    chunk,
    ks.chunkEncryption.unsafeBytes(),
    "key = chunkEncryption subkey of the sequential root key (key-schedule.json); id = its chunk ID of the plaintext",
  );
  const ctx: ObjectContext = { kind: ObjectKind.packHeader, id: "repo-1234" };
  const base = await seal("base for the failure vectors", ctx, utf8("pack header: 3 entries"));
  v.push({
    name: "string id equals its UTF-8 bytes",
    key: toHex(key),
    kind: ctx.kind,
    id: { hex: toHex(utf8("repo-1234")) },
    nonce: v.at(-1)!.nonce,
    plaintext: v.at(-1)!.plaintext,
    sealed: toHex(base),
    expected: "success",
  });
  const fail = (name: string, sealed: Uint8Array, reason: string, over: Partial<Vector> = {}) =>
    v.push({ name, key: toHex(key), kind: ctx.kind, id: idField(ctx.id), sealed: toHex(sealed), ...over, expected: integrity(reason) });
  fail("tampered tag", flip(base, -1), "auth_failed");
  fail("tampered ciphertext", flip(base, 13), "auth_failed");
  fail("tampered nonce", flip(base, 1), "auth_failed");
  fail("unsupported version 2", Uint8Array.of(2, ...base.subarray(1)), "unsupported_version");
  fail("version 0", Uint8Array.of(0, ...base.subarray(1)), "unsupported_version");
  fail("truncated by one byte", base.subarray(0, -1), "auth_failed");
  fail("trailing byte", concatBytes(base, Uint8Array.of(0)), "auth_failed");
  fail("too short (28 bytes)", base.subarray(0, 28), "too_short");
  fail("empty", new Uint8Array(0), "too_short");
  fail("wrong kind", base, "auth_failed", { kind: ObjectKind.snapshot });
  fail("wrong object id", base, "auth_failed", { id: { utf8: "repo-1235" } });
  fail("wrong key", base, "auth_failed", { key: toHex(seededBytes(12, 32)) });
  await seal(
    "lock object bound to its name",
    { kind: ObjectKind.lock, id: "locks/000102030405060708090a0b0c0d0e0f" },
    utf8('{"v":1,"mode":"append"}'),
    ks.metadataEncryption.unsafeBytes(),
    "key = metadataEncryption subkey of the sequential root key; spec §8.11",
  );
  return file("object", "spec/backup-format.md §5", "Sealed objects: version ‖ nonce ‖ AES-256-GCM(ciphertext ‖ tag), AAD = version ‖ kind ‖ len(id) ‖ id.", v);
}

// §7 — chunker.
async function chunkerVectors(backend: CryptoBackend): Promise<VectorFile> {
  const v: Vector[] = [];
  const cut = async (name: string, rootKey: Uint8Array, params: ChunkerParams, seed: string, length: number) => {
    const keys = await KeySchedule.derive(root(rootKey), backend);
    const c = new Chunker(gearTable(keys), params);
    const input = await expandInput(backend, seed, length);
    const chunks = [];
    for (const ch of [...c.push(input), ...c.finish()]) chunks.push({ length: ch.length, id: toHex(await chunkId(keys, ch)) });
    v.push({ name, root_key: toHex(rootKey), params, input: { seed, length }, expected: "success", chunks });
  };
  const small = { min: 256, avg: 1024, max: 4096 };
  await cut("small parameters, 64 KiB", KEYS.sequential, small, "chunker-1", 65536);
  await cut("same input, another key: other boundaries", KEYS.mixed, small, "chunker-1", 65536);
  await cut("default parameters, 1 MiB", KEYS.sequential, DEFAULT_CHUNKER_PARAMS, "chunker-2", 1 << 20);
  await cut("manifest listing parameters (§8.5.3), 64 KiB", KEYS.sequential, LISTING_CHUNKER_PARAMS, "chunker-6", 65536);
  await cut("min = avg = max: fixed-size chunks", KEYS.sequential, { min: 512, avg: 512, max: 512 }, "chunker-3", 3000);
  await cut("empty input: no chunks", KEYS.sequential, small, "chunker-4", 0);
  await cut("input shorter than min: one short chunk", KEYS.sequential, small, "chunker-5", 100);
  const invalid = async (name: string, params: ChunkerParams) => {
    const keys = await KeySchedule.derive(root(KEYS.sequential), backend);
    let expected: Expected = "success";
    try {
      new Chunker(gearTable(keys), params);
    } catch (e) {
      expected = outcomeOf(e);
    }
    if (expected === "success") throw new Error(`${name}: parameters were accepted`);
    v.push({ name, root_key: toHex(KEYS.sequential), params, expected });
  };
  await invalid("avg not a power of two", { min: 256, avg: 1000, max: 4096 });
  await invalid("min above avg", { min: 2048, avg: 1024, max: 4096 });
  await invalid("max below avg", { min: 256, avg: 1024, max: 512 });
  await invalid("min below 64", { min: 32, avg: 1024, max: 4096 });
  await invalid("max above 64 MiB", { min: 256, avg: 1024, max: 64 * 1024 * 1024 + 1 });
  await invalid("fractional min", { min: 256.5, avg: 1024, max: 4096 });
  return file(
    "chunker",
    "spec/backup-format.md §7",
    "Keyed FastCDC. input = first `length` bytes of AES-256-GCM(key = SHA-256(UTF-8 seed), nonce = 12 zero bytes, zeros); chunk id = HMAC chunk ID.",
    v,
  );
}

// §8.2 — the repository config's MAC.
async function configVectors(backend: CryptoBackend): Promise<VectorFile> {
  const v: Vector[] = [];
  const keys = await KeySchedule.derive(root(KEYS.sequential), backend);
  const base = {
    repoId: "000102030405060708090a0b0c0d0e0f",
    created: "2026-12-01T00:00:00.000Z",
    chunker: { ...DEFAULT_CHUNKER_PARAMS },
    packSize: 8 * 1024 * 1024,
    keyCheck: keys.keyCheck,
  };
  const fields = (c: ConfigMacFields) => ({ ...c, keyCheck: toHex(c.keyCheck) });
  const v2: ConfigMacFields = { ...base, version: 2, protection: "password", vaultUrl: "https://vault.example" };
  const v1: ConfigMacFields = { ...base, version: 1, protection: "password", vaultUrl: "https://vault.example" };
  const good = async (name: string, c: ConfigMacFields) => {
    const mac = await configMac(keys, c);
    v.push({ name, op: "config_mac", root_key: toHex(KEYS.sequential), fields: fields(c), mac: toHex(mac), expected: "success" });
    return mac;
  };
  const macV2 = await good("version 2, password mode with a vault URL", v2);
  await good("version 2, key mode without a vault URL", { ...base, version: 2, protection: "key" });
  const macV1 = await good("version 1 (the vault URL is not covered)", v1);
  const check = (name: string, c: ConfigMacFields, mac: Uint8Array, expected: Expected) =>
    v.push({ name, op: "config_verify", root_key: toHex(KEYS.sequential), fields: fields(c), mac: toHex(mac), expected });
  check("version 2: vault URL redirected", { ...v2, vaultUrl: "https://vault.attacker.example" }, macV2, integrity("auth_failed"));
  check("version 2: vault URL removed", { ...v2, vaultUrl: undefined }, macV2, integrity("auth_failed"));
  check("version 2: password mode switched to key mode", { ...v2, protection: "key" }, macV2, integrity("auth_failed"));
  check("version 2 MAC presented as version 1 (downgrade)", { ...v2, version: 1 }, macV2, integrity("auth_failed"));
  check("version 1: protection switched", { ...v1, protection: "key" }, macV1, integrity("auth_failed"));
  check("version 1: vault URL changed is NOT detected (why version 2 exists)", { ...v1, vaultUrl: "https://vault.attacker.example" }, macV1, "success");
  // §8.2.1 — version 3: a realm set (threshold and realms in share order) instead of one vault.
  const realmSet = {
    threshold: 2,
    realms: [
      { id: "AAECAwQFBgcICQoLDA0ODw", url: "https://realm-a.example" },
      { id: "EBESExQVFhcYGRobHB0eHw", url: "https://realm-b.example" },
      { id: "ICEiIyQlJicoKSorLC0uLw", url: "https://realm-c.example" },
    ],
  };
  const v3: ConfigMacFields = { ...base, version: 3, protection: "realms", realmSet };
  const macV3 = await good("version 3, realms mode: 2 of 3 realms", v3);
  const [ra, rb, rc] = realmSet.realms as [(typeof realmSet.realms)[0], (typeof realmSet.realms)[0], (typeof realmSet.realms)[0]];
  check(
    "version 3: one realm's URL redirected",
    { ...v3, realmSet: { threshold: 2, realms: [ra, { ...rb, url: "https://realm.attacker.example" }, rc] } },
    macV3,
    integrity("auth_failed"),
  );
  check(
    "version 3: one realm swapped for another ID",
    { ...v3, realmSet: { threshold: 2, realms: [ra, rb, { ...rc, id: "MDEyMzQ1Njc4OTo7PD0-Pw" }] } },
    macV3,
    integrity("auth_failed"),
  );
  check(
    "version 3: a realm added",
    { ...v3, realmSet: { threshold: 2, realms: [ra, rb, rc, { id: "MDEyMzQ1Njc4OTo7PD0-Pw", url: "https://realm-d.example" }] } },
    macV3,
    integrity("auth_failed"),
  );
  check("version 3: a realm dropped", { ...v3, realmSet: { threshold: 2, realms: [ra, rb] } }, macV3, integrity("auth_failed"));
  check(
    "version 3: realms reordered (share indexes follow the order)",
    { ...v3, realmSet: { threshold: 2, realms: [rb, ra, rc] } },
    macV3,
    integrity("auth_failed"),
  );
  check("version 3: threshold lowered", { ...v3, realmSet: { threshold: 1, realms: [ra, rb, rc] } }, macV3, integrity("auth_failed"));
  check(
    "version 3: realms mode switched to password mode with a vault URL",
    { ...v3, protection: "password", realmSet: undefined, vaultUrl: "https://realm-a.example" },
    macV3,
    integrity("auth_failed"),
  );
  check("version 3 MAC presented as version 2 (downgrade)", { ...v3, version: 2 }, macV3, integrity("auth_failed"));
  return file(
    "config",
    "spec/backup-format.md §8.2",
    "Repository config MAC = HMAC-SHA256(configAuthentication subkey, canonical JSON array of the fields); keyCheck in hex here, base64url in the MAC input.",
    v,
  );
}

/** Every vector file as the exact text committed under spec/vectors/. */
export async function generateVectors(backend: CryptoBackend = webCryptoBackend()): Promise<Record<VectorFileName, string>> {
  const files = [
    keyCodecVectors(),
    await keyScheduleVectors(backend),
    await objectVectors(backend),
    await streamVectors(backend),
    await chunkerVectors(backend),
    await configVectors(backend),
  ];
  return Object.fromEntries(files.map((f) => [f.file, `${JSON.stringify(f, null, 2)}\n`])) as Record<VectorFileName, string>;
}

export const vectorsDir = join(dirname(fileURLToPath(import.meta.url)), "../../../spec/vectors");

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  mkdirSync(vectorsDir, { recursive: true });
  for (const [name, text] of Object.entries(await generateVectors())) {
    writeFileSync(join(vectorsDir, `${name}.json`), text);
    console.log(`wrote spec/vectors/${name}.json (${text.length} bytes)`);
  }
}
