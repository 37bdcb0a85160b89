/**
 * Progress of long work. On a terminal (stdout and stderr both TTYs, no --json): a bar
 * (cli-progress) on stderr with bytes, rate and ETA once they mean something — early
 * phases, before the total is known, show only the phase. Ctrl-C (or SIGTERM) takes the
 * bar off the screen at once, so the "stopping…" and "cancelled" lines that follow are
 * not drawn over. Under --json: one JSON object per line on stderr for each progress event
 * (`{"type":"progress",…}`, at most ten a second, docs/cli.md), stdout keeping its one
 * result object. Piped without --json: nothing, only the summary.
 */
import { createRequire } from "node:module";
import type cliProgressModule from "cli-progress";
import type { ProgressEvent } from "@chatvault/sdk/core";
import { type Output, formatBytes } from "./output.ts";

export interface ProgressBar {
  onProgress: (e: ProgressEvent) => void;
  stop(): void;
}

const silent: ProgressBar = { onProgress: () => {}, stop: () => {} };

export function eta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return "--";
  const s = Math.round(seconds);
  return s < 60
    ? `${s}s`
    : s < 3600
      ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`
      : `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/**
 * The text after the bar: "42% 1.20 MiB/2.86 MiB 3.10 MiB/s ETA 1s" — or nothing while
 * the total is unknown (no "0 B/0 B 0 B/s ETA --" while the engine is still looking).
 */
export function progressStats(e: Pick<ProgressEvent, "bytesDone" | "bytesTotal" | "rate" | "etaSeconds">): string {
  if (e.bytesTotal <= 0) return "";
  const pct = Math.min(100, Math.floor((e.bytesDone / e.bytesTotal) * 100));
  const rate = e.rate > 0 ? ` ${formatBytes(Math.round(e.rate))}/s` : "";
  const left = e.etaSeconds !== undefined && e.bytesDone > 0 ? ` ETA ${eta(e.etaSeconds)}` : "";
  return `${pct}% ${formatBytes(e.bytesDone)}/${formatBytes(e.bytesTotal)}${rate}${left}`;
}

/** A progress event as one line of JSON (numbers rounded; ETA null when unknown). */
export function progressJson(e: ProgressEvent): string {
  return JSON.stringify({
    type: "progress",
    operation: e.operation,
    phase: e.phase,
    bytesDone: e.bytesDone,
    bytesTotal: e.bytesTotal,
    filesDone: e.filesDone,
    filesTotal: e.filesTotal,
    bytesPerSecond: Math.round(e.rate),
    etaSeconds: e.etaSeconds === undefined || !Number.isFinite(e.etaSeconds) ? null : Math.round(e.etaSeconds),
  });
}

function jsonLines(): ProgressBar {
  return { onProgress: (e) => void process.stderr.write(progressJson(e) + "\n"), stop: () => {} };
}

export function progressBar(out: Output, label: string): ProgressBar {
  if (out.json) return jsonLines();
  if (!out.interactive) return silent;
  // Loaded only for a terminal: piped and --json runs (scripts, the benchmark) skip its ~10 ms.
  const cliProgress = createRequire(import.meta.url)("cli-progress") as typeof cliProgressModule;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} {phase} |{bar}| {stats}`,
      hideCursor: true,
      clearOnComplete: true,
      barsize: 24,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let stopped = false;
  const stop = () => {
    if (started) bar.stop();
    started = false;
    stopped = true;
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
  // Registered before the command's own interrupt handler (the bar exists first), so the
  // bar is gone before "stopping…" is printed; later events draw nothing. Work that has no
  // handler of its own still ends as it would without the bar.
  const onSignal = (signal: NodeJS.Signals) => {
    stop();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    onProgress(e) {
      if (stopped) return;
      const payload = { phase: e.phase.padEnd(17), stats: progressStats(e) };
      const total = Math.max(e.bytesTotal, 1);
      if (!started) {
        bar.start(total, Math.min(e.bytesDone, total), payload);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(Math.min(e.bytesDone, total), payload);
      }
    },
    stop,
  };
}
