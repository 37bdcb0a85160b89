/**
 * The per-request logger (`req.log`), made only when a request logs something. Fastify
 * gives every request a pino child bound to its request ID; making that child costs more
 * than the rest of the logging (a login logs nothing at `info`, spec/vault-protocol.md
 * §9.1), so the child is made on the first line at an enabled level. The lines are the same.
 */
import type { FastifyBaseLogger } from "fastify";
import type { Bindings, ChildLoggerOptions, LevelWithSilent, Logger } from "pino";

type Level = "fatal" | "error" | "warn" | "info" | "debug" | "trace";

class LazyRequestLogger {
  #child: FastifyBaseLogger | undefined;
  constructor(
    private readonly parent: Logger,
    private readonly bindings: Bindings,
  ) {}
  #get(): FastifyBaseLogger {
    return (this.#child ??= this.parent.child(this.bindings) as unknown as FastifyBaseLogger);
  }
  #log(level: Level, args: unknown[]): void {
    if (!this.parent.isLevelEnabled(level)) return; // nothing to write: no child needed
    (this.#get()[level] as (...a: unknown[]) => void)(...args);
  }
  get level(): LevelWithSilent | string {
    return this.#child?.level ?? this.parent.level;
  }
  set level(l: LevelWithSilent | string) {
    this.#get().level = l;
  }
  fatal(...a: unknown[]): void {
    this.#log("fatal", a);
  }
  error(...a: unknown[]): void {
    this.#log("error", a);
  }
  warn(...a: unknown[]): void {
    this.#log("warn", a);
  }
  info(...a: unknown[]): void {
    this.#log("info", a);
  }
  debug(...a: unknown[]): void {
    this.#log("debug", a);
  }
  trace(...a: unknown[]): void {
    this.#log("trace", a);
  }
  silent(): void {}
  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#get().child(bindings, options);
  }
}

/** Fastify's `childLoggerFactory`: a lazy child, or pino's own when the route sets its own level. */
export function lazyChildLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  if (options.level !== undefined || Object.keys(options).length > 0) return logger.child(bindings, options);
  return new LazyRequestLogger(logger as unknown as Logger, bindings) as unknown as FastifyBaseLogger;
}
