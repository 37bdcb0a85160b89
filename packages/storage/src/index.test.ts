import { test } from "node:test";
import assert from "node:assert/strict";
import { build } from "esbuild";
import * as storage from "./index.ts";
import * as testing from "./testing.ts";

test("the public entry bundles for a browser: nothing from Node", async () => {
  const result = await build({
    entryPoints: [new URL("./index.ts", import.meta.url).pathname],
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    logLevel: "silent",
    conditions: ["chatvault-source"],
  });
  assert.equal(result.errors.length, 0);
  assert.ok(!/node:|require\(/.test(result.outputFiles[0]!.text));
});

test("the public entry exports the adapter-independent parts", () => {
  for (const name of [
    "MemoryStorage",
    "withRetry",
    "withConcurrencyLimit",
    "ObjectExistsError",
    "ObjectNotFoundError",
    "StorageUnavailableError",
    "InvalidObjectNameError",
    "checkObjectName",
  ]) {
    assert.equal(typeof (storage as Record<string, unknown>)[name], "function", name);
  }
});

test("the fault injector is test support: ./testing, not the main entry", () => {
  assert.equal((storage as Record<string, unknown>).withFaults, undefined);
  assert.equal(typeof testing.withFaults, "function");
});
