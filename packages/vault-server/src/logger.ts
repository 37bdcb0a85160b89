/**
 * Structured logs (pino) that never carry a password, key, export key, session key,
 * OPAQUE message or token (spec/vault-protocol.md §9.1). Bodies and headers are never
 * logged; redaction is a second line of defence for fields that might slip in.
 */
import pino, { type DestinationStream, type Logger } from "pino";

export const REDACT_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  "headers.authorization",
  "authorization",
  "password",
  "*.password",
  "token",
  "*.token",
  "sessionToken",
  "*.sessionToken",
  "exportKey",
  "*.exportKey",
  "sessionKey",
  "*.sessionKey",
  "rootKey",
  "*.rootKey",
  "serverSetup",
  "*.serverSetup",
  "pin",
  "*.pin",
  "registrationRequest",
  "*.registrationRequest",
  "registrationResponse",
  "*.registrationResponse",
  "registrationRecord",
  "*.registrationRecord",
  "startLoginRequest",
  "*.startLoginRequest",
  "loginResponse",
  "*.loginResponse",
  "finishLoginRequest",
  "*.finishLoginRequest",
  "serverLoginState",
  "*.serverLoginState",
  "wrappedRootKey",
  "*.wrappedRootKey",
  "body",
  "*.body",
];

export interface LoggerOptions {
  level?: string;
  /** Where log lines go (default stdout). Tests pass a stream to capture them. */
  destination?: DestinationStream;
}

/** Destinations this module opened, so that `closeLogger` can drain them before the process exits. */
const destinations = new WeakMap<Logger, SonicBoomLike>();
interface SonicBoomLike {
  end(): void;
  once(event: "close" | "error", fn: () => void): unknown;
  destroyed?: boolean;
}

export function createLogger(o: LoggerOptions = {}): Logger {
  const destination = o.destination ?? pino.destination({ fd: 1, sync: false });
  const log = pino(
    {
      level: o.level ?? "info",
      base: { service: "chatvault-vault", pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      serializers: {
        // Only the error's kind and our own fixed message; never a stack with request data.
        err: (e: { name?: string; code?: string; message?: string; stack?: string }) => ({
          type: e?.name,
          code: e?.code,
          message: typeof e?.message === "string" ? e.message.slice(0, 300) : undefined,
        }),
      },
    },
    destination,
  );
  if (!o.destination) destinations.set(log, destination as unknown as SonicBoomLike);
  return log;
}

/**
 * Write out every buffered line of a logger made by `createLogger` and close its
 * destination (stdout itself stays open). The default destination writes asynchronously,
 * so a process that exits right after logging loses lines unless it waits for this:
 * `pino.flush()` returns before an in-flight write lands, `end()` + "close" does not.
 * Gives up after `timeoutMs`. Nothing may be logged through `log` afterwards.
 */
export async function closeLogger(log: Logger, timeoutMs = 5000): Promise<void> {
  const d = destinations.get(log);
  if (!d || d.destroyed) return;
  destinations.delete(log);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    const done = () => (clearTimeout(timer), resolve());
    d.once("close", done);
    d.once("error", done);
    d.end();
  });
}
