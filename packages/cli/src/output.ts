/**
 * What a command prints. Human text goes to stdout; notes and warnings to stderr; with
 * --json, stdout carries exactly one JSON object (the result, or `{"error": …}`), so a
 * script can parse it whatever else happened.
 */
export class Output {
  readonly json: boolean;
  constructor(json: boolean) {
    this.json = json;
  }

  /** A line of the human-readable result (suppressed under --json). */
  line(text = ""): void {
    if (!this.json) process.stdout.write(text + "\n");
  }

  /** Side information and warnings: stderr, so piped stdout stays the result. */
  note(text: string): void {
    process.stderr.write(text + "\n");
  }

  /** The command's result: JSON under --json, else the human lines. */
  result(value: Record<string, unknown>, human: string[]): void {
    if (this.json) process.stdout.write(JSON.stringify(value) + "\n");
    else for (const l of human) process.stdout.write(l + "\n");
  }

  /** True when long work may draw a progress bar (a person is watching, no --json). */
  get interactive(): boolean {
    return !this.json && !!process.stdout.isTTY && !!process.stderr.isTTY;
  }
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** 1536 → "1.5 KiB". */
export function formatBytes(n: number): string {
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${UNITS[u]}`;
}
