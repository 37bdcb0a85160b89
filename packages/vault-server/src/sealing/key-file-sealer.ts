/**
 * KEK in a local key file (the embedded default, spec/vault-protocol.md §10.3.1).
 * Created with mode 0600 on first start, atomically (temp file + link, so several
 * processes starting together agree on one key); the vault refuses to start if the
 * file is readable by group or others.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { SERVER_LABELS } from "../labels.ts";
import { SEALED_VERSION, SealerError, type OpenSealerOptions, type Sealer } from "./sealer.ts";

const HEADER = "chatvault vault key-encryption key v1";

export async function openKeyFileSealer(path: string, options: OpenSealerOptions): Promise<Sealer> {
  let key = readKeyFile(path);
  if (!key) {
    if (!options.createKey) {
      throw new SealerError(
        "sealer_key_file_missing",
        `vault key file ${path} does not exist, but the database holds secrets sealed by a key file; restore the key file (a new one cannot open them)`,
      );
    }
    createKeyFile(path);
    key = readKeyFile(path)!;
  }
  return new KeyFileSealer(key);
}

function readKeyFile(path: string): Buffer | null {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new SealerError("sealer_key_file_invalid", `cannot read vault key file ${path}: ${(e as Error).message}`);
  }
  if ((st.mode & 0o077) !== 0) {
    throw new SealerError(
      "sealer_key_file_mode",
      `vault key file ${path} has mode ${(st.mode & 0o777).toString(8).padStart(4, "0")}; it must not be readable by group or others (run: chmod 600 ${path})`,
    );
  }
  const lines = readFileSync(path, "utf8").split("\n");
  const key = lines[0] === HEADER ? Buffer.from(lines[1] ?? "", "base64url") : Buffer.alloc(0);
  if (key.length !== 32)
    throw new SealerError("sealer_key_file_invalid", `vault key file ${path} is not a chatvault key file (expected "${HEADER}" and a 32-byte key)`);
  return key;
}

function createKeyFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  writeFileSync(tmp, `${HEADER}\n${randomBytes(32).toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
  try {
    linkSync(tmp, path); // atomic; fails with EEXIST if another process won the race
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  } finally {
    unlinkSync(tmp);
  }
}

class KeyFileSealer implements Sealer {
  readonly kind = "keyfile";
  readonly keyId: string;
  readonly #key: Buffer;
  constructor(key: Buffer) {
    this.#key = key;
    this.keyId = `keyfile:${Buffer.from(hkdfSync("sha256", key, new Uint8Array(0), SERVER_LABELS.kekFingerprint, 8)).toString("hex")}`;
  }
  async seal(plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    const nonce = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", this.#key, nonce);
    c.setAAD(aad);
    const ct = Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
    return new Uint8Array(Buffer.concat([Buffer.of(SEALED_VERSION), nonce, ct]));
  }
  async open(sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    if (sealed.length < 1 + 12 + 16 || sealed[0] !== SEALED_VERSION) throw new SealerError("sealer_open_failed", "sealed blob is malformed");
    const d = createDecipheriv("aes-256-gcm", this.#key, sealed.subarray(1, 13));
    d.setAAD(aad);
    d.setAuthTag(sealed.subarray(sealed.length - 16));
    try {
      return new Uint8Array(Buffer.concat([d.update(sealed.subarray(13, sealed.length - 16)), d.final()]));
    } catch (cause) {
      throw new SealerError("sealer_open_failed", "sealed blob does not open with this key file", { cause });
    }
  }
  async close(): Promise<void> {
    this.#key.fill(0);
  }
  toString(): string {
    return `KeyFileSealer(${this.keyId})`;
  }
}
