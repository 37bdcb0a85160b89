/**
 * A progress bar (cli-progress) with bytes, rate and ETA for long work, drawn on stderr
 * only when a person is watching: silent when stdout is piped or under --json, so
 * scripts and logs get the summary and nothing else.
 */
import cliProgress from "cli-progress";
import type { ProgressEvent } from "@chatvault/sdk";
import { type Output, formatBytes } from "./output.ts";

export interface ProgressBar {
  onProgress: (e: ProgressEvent) => void;
  stop(): void;
}

const silent: ProgressBar = { onProgress: () => {}, stop: () => {} };

function eta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return "--";
  const s = Math.round(seconds);
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

export function progressBar(out: Output, label: string): ProgressBar {
  if (!out.interactive) return silent;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} {phase} |{bar}| {percentage}% {done}/{all} {rate}/s ETA {etaText}`,
      hideCursor: true,
      clearOnComplete: true,
      barsize: 24,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    onProgress(e) {
      const payload = { phase: e.phase.padEnd(17), done: formatBytes(e.bytesDone), all: formatBytes(e.bytesTotal), rate: formatBytes(Math.round(e.rate)), etaText: eta(e.etaSeconds) };
      const total = Math.max(e.bytesTotal, 1);
      if (!started) {
        bar.start(total, Math.min(e.bytesDone, total), payload);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(Math.min(e.bytesDone, total), payload);
      }
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}
