/**
 * Progress events for long operations (backup, restore, verify), for the CLI's progress
 * bar and the web app. Emitted at most every `intervalMs`, plus once at the end.
 */
export interface ProgressEvent {
  operation: "backup" | "restore" | "verify";
  phase: string;
  bytesDone: number;
  bytesTotal: number;
  filesDone: number;
  filesTotal: number;
  /** Bytes per second since the operation started. */
  rate: number;
  /** Seconds left at the current rate, or undefined when unknown. */
  etaSeconds: number | undefined;
}

export type ProgressListener = (e: ProgressEvent) => void;

export class ProgressTracker {
  readonly #listener: ProgressListener | undefined;
  readonly #operation: ProgressEvent["operation"];
  readonly #start: number;
  readonly #intervalMs: number;
  readonly #now: () => number;
  #last = -Infinity;
  phase = "starting";
  bytesDone = 0;
  bytesTotal = 0;
  filesDone = 0;
  filesTotal = 0;

  constructor(operation: ProgressEvent["operation"], listener?: ProgressListener, intervalMs = 100, now: () => number = () => performance.now()) {
    this.#operation = operation;
    this.#listener = listener;
    this.#intervalMs = intervalMs;
    this.#now = now;
    this.#start = now();
  }

  advance(bytes: number, files = 0): void {
    this.bytesDone += bytes;
    this.filesDone += files;
    this.emit(false);
  }

  setPhase(phase: string): void {
    this.phase = phase;
    this.emit(true);
  }

  emit(force: boolean): void {
    if (!this.#listener) return;
    const t = this.#now();
    if (!force && t - this.#last < this.#intervalMs) return;
    this.#last = t;
    const secs = (t - this.#start) / 1000;
    const rate = secs > 0 ? this.bytesDone / secs : 0;
    const left = this.bytesTotal - this.bytesDone;
    this.#listener({
      operation: this.#operation,
      phase: this.phase,
      bytesDone: this.bytesDone,
      bytesTotal: this.bytesTotal,
      filesDone: this.filesDone,
      filesTotal: this.filesTotal,
      rate,
      etaSeconds: rate > 0 && left >= 0 ? left / rate : undefined,
    });
  }
}
