/**
 * Structured logs (pino) that never carry a password, key, export key, session key,
 * OPAQUE message or token (spec/vault-protocol.md §9.1). Bodies and headers are never
 * logged; redaction is a second line of defence for fields that might slip in.
 */
import pino, { type DestinationStream, type Logger } from "pino";

export const REDACT_PATHS = [
  "req.headers.authorization", "req.headers.cookie", "headers.authorization", "authorization",
  "password", "*.password", "token", "*.token", "sessionToken", "*.sessionToken", "exportKey", "*.exportKey",
  "sessionKey", "*.sessionKey", "rootKey", "*.rootKey", "serverSetup", "*.serverSetup", "pin", "*.pin",
  "registrationRequest", "*.registrationRequest", "registrationResponse", "*.registrationResponse",
  "registrationRecord", "*.registrationRecord", "startLoginRequest", "*.startLoginRequest",
  "loginResponse", "*.loginResponse", "finishLoginRequest", "*.finishLoginRequest",
  "serverLoginState", "*.serverLoginState", "wrappedRootKey", "*.wrappedRootKey", "body", "*.body",
];

export interface LoggerOptions {
  level?: string;
  /** Where log lines go (default stdout). Tests pass a stream to capture them. */
  destination?: DestinationStream;
}

export function createLogger(o: LoggerOptions = {}): Logger {
  return pino(
    {
      level: o.level ?? "info",
      base: { service: "chatvault-vault", pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      serializers: {
        // Only the error's kind and our own fixed message; never a stack with request data.
        err: (e: { name?: string; code?: string; message?: string; stack?: string }) => ({
          type: e?.name, code: e?.code, message: typeof e?.message === "string" ? e.message.slice(0, 300) : undefined,
        }),
      },
    },
    o.destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
