import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "@chatvault/testkit";
import { UsageError } from "./cli-error.ts";
import { obtainKey, readSecretFile, secretPath } from "./secrets.ts";

test("secret files: one trailing newline dropped, the rest kept; empty and missing refused", async (t) => {
  const dir = tempDir(t);
  const f = join(dir, "pw");
  writeFileSync(f, "  spaces stay  \r\n", { mode: 0o600 });
  assert.equal(await readSecretFile(f, "password"), "  spaces stay  ");
  writeFileSync(f, "two\n\n");
  assert.equal(await readSecretFile(f, "password"), "two\n");
  writeFileSync(f, "\n");
  await assert.rejects(readSecretFile(f, "password"), /the password file .* is empty/);
  await assert.rejects(
    readSecretFile(join(dir, "nope"), "password"),
    (e: unknown) => e instanceof UsageError && /: it does not exist$/.test(e.message) && !/ENOENT/.test(e.message),
  );
});

test("a secret file others can read is used, with a warning that never quotes it", async (t) => {
  const dir = tempDir(t);
  const f = join(dir, "pw");
  writeFileSync(f, "hunter2 hunter2\n");
  chmodSync(f, 0o644);
  const warnings: string[] = [];
  assert.equal(await readSecretFile(f, "password", (l) => warnings.push(l)), "hunter2 hunter2");
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /readable by other users/);
  assert.ok(!warnings[0]!.includes("hunter2"));
});

test("flags win over environment variables; keys parse forgivingly", async (t) => {
  const dir = tempDir(t);
  process.env.CHATVAULT_TEST_SECRET_FILE = "/from/env";
  t.after(() => delete process.env.CHATVAULT_TEST_SECRET_FILE);
  assert.equal(secretPath("/from/flag", "CHATVAULT_TEST_SECRET_FILE"), "/from/flag");
  assert.equal(secretPath(undefined, "CHATVAULT_TEST_SECRET_FILE"), "/from/env");
  const f = join(dir, "key");
  writeFileSync(f, "0123-4567-89AB-CDEF\n".repeat(4), { mode: 0o600 });
  const key = await obtainKey({ file: f, envVar: "X", flag: "--key-file", what: "key" });
  assert.equal(key.unsafeBytes()[0], 0x01);
  writeFileSync(f, "0123 4567 89ab cdef 0123 4567 89ab cdef 0123 4567 89ab cdef 0123 4567 89ab cdeX");
  await assert.rejects(obtainKey({ file: f, envVar: "X", flag: "--key-file", what: "key" }), /position 79 is not a digit 0–9 or a letter a–f$/);
});
