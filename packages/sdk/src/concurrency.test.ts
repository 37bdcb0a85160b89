import { test } from "node:test";
import assert from "node:assert/strict";
import { runBounded } from "./concurrency.ts";

const tick = () => new Promise<void>((r) => setImmediate(r));

test("runBounded: never more than `limit` jobs at once, every job runs", async () => {
  let running = 0;
  let peak = 0;
  const done: number[] = [];
  const jobs = Array.from({ length: 20 }, (_, i) => async () => {
    running++;
    peak = Math.max(peak, running);
    await tick();
    running--;
    done.push(i);
  });
  await runBounded(jobs, 3);
  assert.equal(peak, 3);
  assert.deepEqual(
    [...done].sort((a, b) => a - b),
    Array.from({ length: 20 }, (_, i) => i),
  );
});

test("runBounded: the first error stops new jobs and is thrown after running ones end", async () => {
  const started: number[] = [];
  let slowEnded = false;
  const jobs = Array.from({ length: 10 }, (_, i) => async () => {
    started.push(i);
    if (i === 0) {
      for (let k = 0; k < 5; k++) await tick();
      slowEnded = true;
      return;
    }
    await tick();
    if (i === 1) throw new Error("first");
    if (i === 2) throw new Error("second");
  });
  await assert.rejects(runBounded(jobs, 3), /first/);
  assert.ok(slowEnded, "the job still running when the error came ended before the error was thrown");
  assert.ok(started.length < 10, `no new job after the error (started ${started.join(",")})`);
});

test("runBounded: an empty list is done; a bad limit is a RangeError", async () => {
  await runBounded([], 4);
  await assert.rejects(runBounded([async () => {}], 0), RangeError);
});
