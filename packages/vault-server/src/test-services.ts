/**
 * Temp folders and missing services for `@chatvault/vault-server/testing`, under the
 * workspace's test rule (README "Two commands"): a test that needs a service skips with a
 * one-line reason when it is absent, and fails instead when CI=true. The same as
 * @chatvault/testkit's `tempDir` / `needService`, which a published entry cannot import
 * (testkit is private to this workspace).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";

const inCI = process.env.CI === "true" || process.env.CI === "1";

/** True when the test should go on; false once it has been marked skipped. Throws under CI. */
export function needService(t: TestContext, available: boolean, reason: string): boolean {
  if (available) return true;
  if (inCI) throw new Error(`required service missing under CI: ${reason}`);
  t.skip(reason);
  return false;
}

/** A fresh temp folder, removed when the test ends. */
export function tempDir(t: TestContext, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
