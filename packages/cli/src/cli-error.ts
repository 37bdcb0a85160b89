/**
 * Errors the CLI itself raises. Every failure the user sees ends up as one of these
 * (errors-to-exit.ts translates the library's typed errors), so bin.ts has one place that
 * prints the one-line reason and picks the exit code.
 */
import { EXIT, type ExitCode } from "./exit-codes.ts";

export class CliError extends Error {
  readonly exitCode: ExitCode;
  /** Stable, machine-readable: the `error.code` of `--json` output. */
  readonly code: string;
  /** Extra machine-readable facts for `--json` (e.g. verify's report); never secrets. */
  readonly details: Record<string, unknown> | undefined;
  constructor(exitCode: ExitCode, code: string, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options);
    this.name = "CliError";
    this.exitCode = exitCode;
    this.code = code;
    this.details = options?.details;
  }
}

/** The command line (or an input it names) is wrong: fixing the invocation helps. */
export class UsageError extends CliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(EXIT.usage, "usage", message, options);
  }
}

/** The user said no, pressed Ctrl-C at a prompt, or interrupted long work. */
export class CancelledByUser extends CliError {
  constructor(message = "cancelled") {
    super(EXIT.cancelled, "cancelled", message);
  }
}
