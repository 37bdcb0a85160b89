/**
 * Where secrets come from: a file or a file descriptor (`--password-file F`,
 * `--key-file /dev/fd/3`, or the CHATVAULT_*_FILE variables), or a hidden prompt on a
 * terminal. Never from a command-line argument: those show in `ps` and shell history.
 */
import { readFileSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { KeyFormatError, type RootKey, parseKey } from "@chatvault/format";
import { describeErrno } from "@chatvault/sdk/node/core";
import { UsageError } from "./cli-error.ts";
import { askHidden } from "./prompts.ts";

const MAX_SECRET_FILE = 64 * 1024;

/** A file named by a flag, else by an environment variable. */
export function secretPath(flag: string | undefined, envVar: string): string | undefined {
  return flag ?? (process.env[envVar] || undefined);
}

/** Prompts only when a person is there to answer: stdin and stderr are terminals. */
export function canPrompt(): boolean {
  return !!process.stdin.isTTY && !!process.stderr.isTTY;
}

/**
 * The secret in `path` (a file, `/dev/fd/N`, a named pipe), without one trailing newline
 * (what `echo` and editors add). `what` names it in errors; the content never appears.
 */
export async function readSecretFile(path: string, what: string, warn?: (line: string) => void): Promise<string> {
  let text: string;
  try {
    text = await readSecretText(path, what, warn);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read the ${what} file ${path}: ${describeErrno(e)}`);
  }
  text = text.replace(/\r?\n$/, "");
  if (text.length === 0) throw new UsageError(`the ${what} file ${path} is empty`);
  return text;
}

/**
 * `/dev/fd/N` is read from descriptor N itself: reopening the path fails for sockets
 * (what Node's spawn and some shells hand over) with ENXIO, reading the descriptor works
 * for pipes, sockets and files alike.
 */
async function readSecretText(path: string, what: string, warn?: (line: string) => void): Promise<string> {
  const fd = /^\/(?:dev|proc\/self)\/fd\/(\d+)$/.exec(path);
  if (fd) return readFileSync(Number(fd[1]), "utf8");
  const st = await stat(path);
  if (st.isFile() && st.size > MAX_SECRET_FILE) throw new UsageError(`${what} file ${path} is ${st.size} bytes; that is not a ${what}`);
  // Group/world-readable secret files are a classic leak; say so, don't refuse.
  if (st.isFile() && (st.mode & 0o077) !== 0 && warn) warn(`warning: ${what} file ${path} is readable by other users (chmod 600 it)`);
  return readFile(path, "utf8");
}

export interface SecretRequest {
  /** Path from the flag, if given. */
  file: string | undefined;
  /** Environment variable naming a file. */
  envVar: string;
  /** The flag, for the "how to pass it" hint. */
  flag: string;
  /** Shown in prompts and errors: "password", "64-digit key". */
  what: string;
  warn?: (line: string) => void;
}

function missing(r: SecretRequest): UsageError {
  return new UsageError(`no ${r.what}: pass ${r.flag} F (a file, or a descriptor like /dev/fd/3) or set ${r.envVar}`);
}

/** The password of an existing backup: from a file, else a hidden prompt on a terminal. */
export async function obtainPassword(r: SecretRequest, message = "Password:"): Promise<string> {
  const path = secretPath(r.file, r.envVar);
  if (path) return readSecretFile(path, r.what, r.warn);
  if (!canPrompt()) throw missing(r);
  return askHidden(message, (v) => (v.length > 0 ? true : "type the password"));
}

/**
 * A new password: from a file (checked for strength), else typed twice, hidden, with
 * strength feedback after the first entry and until it is acceptable.
 */
export async function obtainNewPassword(r: SecretRequest, say: (line: string) => void): Promise<string> {
  // zxcvbn's dictionaries are large: load them only when a new password is chosen.
  const { assessPassword } = await import("./password-strength.ts");
  const path = secretPath(r.file, r.envVar);
  if (path) {
    const pw = await readSecretFile(path, r.what, r.warn);
    const s = assessPassword(pw);
    if (!s.acceptable) throw new UsageError(`the ${r.what} in ${path} is too easy to guess: ${s.summary}`);
    return pw;
  }
  if (!canPrompt()) throw missing(r);
  for (;;) {
    const first = await askHidden("New password:", (v) => {
      const s = assessPassword(v);
      return s.acceptable ? true : `${s.summary}`;
    });
    say(`Strength: ${assessPassword(first).summary}`);
    const again = await askHidden("Type it again:");
    if (again === first) return first;
    say("The two passwords differ; let's start over.");
  }
}

/**
 * KeyFormatError quotes the offending character; from a secret file (or a hidden prompt)
 * that character is part of a secret, so say only where it is.
 */
export function keyProblem(e: KeyFormatError): string {
  return e.position !== undefined ? `the character at position ${e.position} is not a digit 0–9 or a letter a–f` : e.message;
}

/** The 64-digit key: from a file, else typed (hidden) on a terminal. */
export async function obtainKey(r: SecretRequest): Promise<RootKey> {
  const path = secretPath(r.file, r.envVar);
  if (path) {
    const text = await readSecretFile(path, r.what, r.warn);
    try {
      return parseKey(text);
    } catch (e) {
      if (e instanceof KeyFormatError) throw new UsageError(`the ${r.what} file ${path} does not hold a 64-digit key: ${keyProblem(e)}`);
      throw e;
    }
  }
  if (!canPrompt()) throw missing(r);
  const text = await askHidden("64-digit key:", (v) => {
    try {
      parseKey(v);
      return true;
    } catch (e) {
      return e instanceof KeyFormatError ? keyProblem(e) : "not a 64-digit key";
    }
  });
  return parseKey(text);
}
