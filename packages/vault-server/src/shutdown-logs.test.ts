/**
 * Log lines survive a quick stop (spec §9.1): many start → SIGTERM/SIGINT cycles of the
 * real process, single and clustered, each must show "vault listening" and "vault stopped"
 * from every process — the logger is drained before the process exits.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { tempDir } from "@chatvault/testkit";
import { spawnVaultProcess } from "./process.ts";

async function cycle(args: string[], signal: "SIGTERM" | "SIGINT"): Promise<string[]> {
  const lines: string[] = [];
  const v = await spawnVaultProcess(args, { onLine: (l) => lines.push(l) });
  // "close": the process exited AND its stdout was read to the end.
  const closed = new Promise<number | null>((resolve) => v.proc.once("close", (code) => resolve(code)));
  v.proc.kill(signal); // at once: the moment the review lost lines
  assert.equal(await closed, 0, "a graceful stop, not death by the signal's default action");
  return lines;
}

const count = (lines: string[], msg: string) => lines.filter((l) => l.includes(`"msg":"${msg}"`)).length;

test("quick start/stop cycles: every run logs 'vault listening' and 'vault stopped'", async (t) => {
  const dir = tempDir(t);
  const base = ["--data-dir", dir, "--port", "0"];
  const missing: string[] = [];
  for (let i = 0; i < 6; i++) {
    const lines = await cycle(base, i % 2 ? "SIGINT" : "SIGTERM");
    if (count(lines, "vault listening") !== 1 || count(lines, "vault stopped") !== 1) missing.push(`run ${i}: ${lines.length} lines`);
  }
  assert.deepEqual(missing, []);
  for (let i = 0; i < 2; i++) {
    const lines = await cycle([...base, "--workers", "2"], "SIGTERM");
    assert.equal(count(lines, "vault listening"), 2, `cluster run ${i}: one line per worker`);
    assert.equal(count(lines, "vault stopped"), 2, `cluster run ${i}`);
  }
});

test("lines still buffered when SIGTERM arrives are written before the process exits", async (t) => {
  const dir = tempDir(t);
  const lines: string[] = [];
  const v = await spawnVaultProcess(["--data-dir", dir, "--port", "0", "--log-level", "debug", "--rate-ip", "0"], { onLine: (l) => lines.push(l) });
  t.after(v.stop);
  // Stage it: stop reading the vault's stdout, so the pipe fills and its logger must buffer.
  v.proc.stdout!.pause();
  const N = 3000; // ~200 bytes per request line: several times a pipe's buffer
  for (let i = 0; i < N; i += 100) {
    await Promise.all(Array.from({ length: 100 }, () => fetch(`${v.url}/healthz`).then((r) => r.text())));
  }
  const closed = new Promise<number | null>((resolve) => v.proc.once("close", (code) => resolve(code)));
  v.proc.kill("SIGTERM"); // while the logger holds unwritten lines and one write is in flight
  await new Promise((r) => setTimeout(r, 200)); // not needed for correctness: gives an undrained exit its chance to happen
  v.proc.stdout!.resume();
  assert.equal(await closed, 0);
  assert.equal(lines.filter((l) => l.includes('"msg":"request"')).length, N, "every request line");
  assert.equal(count(lines, "vault stopped"), 1);
});
