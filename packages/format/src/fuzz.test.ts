/** Brief fuzzing of every parser of untrusted bytes (a few seconds); fuzz.slow.test.ts runs long. */
import { test } from "node:test";
import { webCryptoBackend } from "./backend.ts";
import { nodeCryptoBackend } from "./node.ts";
import { fuzzKeyCheck, fuzzOpenObject, fuzzParseKey, fuzzStreamOpener, type FuzzOptions } from "./testing/fuzz-cases.ts";

const quick: FuzzOptions = { backend: nodeCryptoBackend, runs: 300, maxSize: 5000, caseTimeoutMs: 5000 };

test("StreamOpener: mutated and random streams, random push splits (node:crypto)", () => fuzzStreamOpener(quick));
test("StreamOpener: mutated and random streams, random push splits (WebCrypto)", () => fuzzStreamOpener({ ...quick, backend: webCryptoBackend(), runs: 60 }));
test("openObject: mutated and random sealed objects", () => fuzzOpenObject(quick));
test("parseKey: mutated key text and arbitrary strings", () => fuzzParseKey({ ...quick, runs: 2000 }));
test("assertKeyCheck: mutated and random stored values", () => fuzzKeyCheck(quick));
