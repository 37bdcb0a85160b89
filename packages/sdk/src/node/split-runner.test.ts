/**
 * The split runner's bound: never more tasks on the workers or on this thread than each
 * has slots, a free worker first, and waiting tasks start as soon as either side frees.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { TaskRunner } from "./chunk-pool.ts";
import type { ChunkTask } from "./chunk-tasks.ts";
import { splitRunner } from "./split-runner.ts";

/** A runner whose tasks end when the test says; counts tasks running at once. */
function heldRunner(name: string, log: string[]) {
  let running = 0;
  let max = 0;
  const pending: (() => void)[] = [];
  const runner: TaskRunner = {
    async run(task) {
      running += 1;
      max = Math.max(max, running);
      log.push(`${name}:${(task as { path: string }).path}`);
      await new Promise<void>((r) => pending.push(r));
      running -= 1;
    },
    close: async () => {},
  };
  return { runner, endOne: () => pending.shift()?.(), running: () => running, max: () => max };
}

const task = (i: number): ChunkTask => ({ kind: "file", path: `f${i}`, compressible: false });
const tick = () => new Promise<void>((r) => setImmediate(r));

test("tasks fill the worker slots first, then this thread's, then wait; each side stays within its slots", async () => {
  const log: string[] = [];
  const w = heldRunner("worker", log);
  const h = heldRunner("here", log);
  const split = splitRunner(w.runner, 2, h.runner, 1);
  const runs = Array.from({ length: 6 }, (_, i) => split.run(task(i), async () => {}));
  await tick();
  assert.deepEqual(log, ["worker:f0", "worker:f1", "here:f2"]);
  h.endOne(); // this thread frees first: the next waiting task goes there
  await tick();
  assert.equal(log.at(-1), "here:f3");
  for (let i = 0; i < 10; i++) {
    w.endOne();
    h.endOne();
    await tick();
  }
  await Promise.all(runs);
  assert.equal(log.length, 6);
  assert.ok(w.max() <= 2 && h.max() <= 1, `workers ${w.max()}, here ${h.max()}`);
});

test("a split runner needs a slot somewhere", () => {
  const log: string[] = [];
  assert.throws(() => splitRunner(heldRunner("w", log).runner, 0, heldRunner("h", log).runner, 0), RangeError);
});

test("with a share, this thread takes at most that fraction of the bytes; the rest waits for a worker", async () => {
  const log: string[] = [];
  const w = heldRunner("worker", log);
  const h = heldRunner("here", log);
  const split = splitRunner(w.runner, 1, h.runner, 1, 0.25);
  const sized = (i: number): ChunkTask => ({ kind: "file", path: `f${i}`, compressible: false, size: 100 });
  const runs = Array.from({ length: 8 }, (_, i) => split.run(sized(i), async () => {}));
  await tick();
  // f0 on the worker; f1 would be half the bytes here, so it waits for the worker, and the rest behind it.
  assert.deepEqual(log, ["worker:f0"]);
  for (let i = 0; i < 20; i++) {
    w.endOne();
    h.endOne();
    await tick();
  }
  await Promise.all(runs);
  const here = log.filter((l) => l.startsWith("here:")).length;
  assert.equal(log.length, 8);
  assert.ok(here >= 1 && here <= 2, `here took ${here} of 8`);
});

test("a share must be a fraction, and 1 when there is no worker (else a task could wait forever)", () => {
  const log: string[] = [];
  assert.throws(() => splitRunner(heldRunner("w", log).runner, 1, heldRunner("h", log).runner, 1, 1.5), RangeError);
  assert.throws(() => splitRunner(heldRunner("w", log).runner, 0, heldRunner("h", log).runner, 1, 0), RangeError);
  assert.throws(() => splitRunner(heldRunner("w", log).runner, 0, heldRunner("h", log).runner, 1, 0.5), RangeError);
  splitRunner(heldRunner("w", log).runner, 0, heldRunner("h", log).runner, 1, 1);
});
