/**
 * Test support shared by every package: services that may be missing, temp dirs.
 * Rule (README "Two commands"): a test that needs a service skips with a one-line reason
 * when the service is absent, and FAILS instead when CI=true.
 */
import type { TestContext } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const inCI = process.env.CI === "true" || process.env.CI === "1";

/**
 * Call at the start of a test that needs an external service. Returns true when the
 * test should go on; when it returns false the test has been marked skipped with `reason`.
 * Under CI a missing service throws, so the test fails.
 */
export function needService(t: TestContext, available: boolean, reason: string): boolean {
  if (available) return true;
  if (inCI) throw new Error(`required service missing under CI: ${reason}`);
  t.skip(reason);
  return false;
}

/** A fresh temp dir, removed when the test ends. */
export function tempDir(t: TestContext, prefix = "chatvault-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export { chromiumAvailable, chromiumPath, launchChromium } from "./chromium.ts";
