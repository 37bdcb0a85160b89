/**
 * Long fuzzing (npm run test:slow): the properties of fuzz.test.ts with many more cases,
 * larger streams, both backends. Set FUZZ_SEED to replay a failure fast-check reported.
 */
import { test } from "node:test";
import { webCryptoBackend } from "./backend.ts";
import { nodeCryptoBackend } from "./node.ts";
import { fuzzKeyCheck, fuzzOpenObject, fuzzParseKey, fuzzStreamOpener, type FuzzOptions } from "./testing/fuzz-cases.ts";

const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const long: FuzzOptions = { backend: nodeCryptoBackend, runs: 20_000, maxSize: 40_000, caseTimeoutMs: 10_000, ...(seed === undefined ? {} : { seed }) };
const web = { ...long, backend: webCryptoBackend(), runs: 3000 };

test("StreamOpener, long (node:crypto)", { timeout: 600_000 }, () => fuzzStreamOpener(long));
test("StreamOpener, long (WebCrypto)", { timeout: 600_000 }, () => fuzzStreamOpener(web));
test("openObject, long", { timeout: 600_000 }, async () => {
  await fuzzOpenObject(long);
  await fuzzOpenObject(web);
});
test("parseKey, long", { timeout: 600_000 }, () => fuzzParseKey({ ...long, runs: 200_000 }));
test("assertKeyCheck, long", { timeout: 600_000 }, () => fuzzKeyCheck(long));
