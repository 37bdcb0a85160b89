/**
 * The repository config (spec §8.2): the only plaintext object. It holds what a client
 * needs before it has a key (the key-check value, how the key is protected, a vault URL
 * hint) and, authenticated by an HMAC under the root key, the parameters that shape
 * every backup (repository ID, chunker parameters, pack size).
 */
import {
  type ChunkerParams, IntegrityError, type KeySchedule, assertKeyCheck, equalBytes, fromBase64Url, fromUtf8,
  toBase64Url, utf8, validateChunkerParams,
} from "@chatvault/format";

export type Protection = "key" | "password";

export interface RepositoryConfig {
  version: 1;
  repoId: string;
  created: string;
  protection: Protection;
  /** Where the vault holding the wrapped key lives (password mode). A hint: not authenticated. */
  vaultUrl?: string;
  chunker: ChunkerParams;
  packSize: number;
  keyCheck: Uint8Array;
}

const MAX_CONFIG_BYTES = 64 * 1024;

function authenticatedFields(c: RepositoryConfig): Uint8Array {
  // Canonical: fixed key order, no whitespace. `vaultUrl` is a hint and not covered.
  return utf8(
    JSON.stringify([c.version, c.repoId, c.created, c.protection, c.chunker.min, c.chunker.avg, c.chunker.max, c.packSize, toBase64Url(c.keyCheck)]),
  );
}

export async function encodeConfig(c: RepositoryConfig, keys: KeySchedule): Promise<Uint8Array> {
  const mac = await keys.backend.hmacSha256(keys.configAuthentication.unsafeBytes(), authenticatedFields(c));
  const json = {
    format: "chatvault-repository",
    version: c.version,
    repoId: c.repoId,
    created: c.created,
    protection: c.protection,
    ...(c.vaultUrl ? { vaultUrl: c.vaultUrl } : {}),
    chunker: c.chunker,
    packSize: c.packSize,
    keyCheck: toBase64Url(c.keyCheck),
    mac: toBase64Url(mac),
  };
  return utf8(JSON.stringify(json, null, 2) + "\n");
}

export interface ParsedConfig {
  config: RepositoryConfig;
  mac: Uint8Array;
}

function bad(message: string): IntegrityError {
  return new IntegrityError("bad_structure", `repository config: ${message}`, "config");
}

/** Parse without a key (enough to know the protection mode and the vault hint). */
export function parseConfig(bytes: Uint8Array): ParsedConfig {
  if (bytes.length > MAX_CONFIG_BYTES) throw bad("too large");
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(fromUtf8(bytes)) as Record<string, unknown>;
  } catch {
    throw bad("not valid JSON");
  }
  if (typeof j !== "object" || j === null || j.format !== "chatvault-repository") throw bad("not a chatvault repository config");
  if (j.version !== 1) throw new IntegrityError("unsupported_version", `repository version ${String(j.version)} is not supported`, "config");
  const str = (k: string): string => {
    const v = j[k];
    if (typeof v !== "string" || v.length > 2048) throw bad(`field ${k} missing or not a string`);
    return v;
  };
  const b64 = (k: string, len: number): Uint8Array => {
    try {
      const v = fromBase64Url(str(k));
      if (v.length !== len) throw new Error();
      return v;
    } catch {
      throw bad(`field ${k} is not ${len} bytes of base64url`);
    }
  };
  const protection = str("protection");
  if (protection !== "key" && protection !== "password") throw bad("unknown protection");
  const ch = j.chunker as Record<string, unknown> | undefined;
  const chunker = { min: Number(ch?.min), avg: Number(ch?.avg), max: Number(ch?.max) };
  try {
    validateChunkerParams(chunker);
  } catch {
    throw bad("invalid chunker parameters");
  }
  const packSize = j.packSize;
  if (typeof packSize !== "number" || !Number.isInteger(packSize) || packSize < 4096 || packSize > 512 * 1024 * 1024) throw bad("invalid packSize");
  const repoId = str("repoId");
  if (!/^[0-9a-f]{32}$/.test(repoId)) throw bad("invalid repoId");
  const vaultUrl = j.vaultUrl === undefined ? undefined : str("vaultUrl");
  const config: RepositoryConfig = {
    version: 1, repoId, created: str("created"), protection, chunker, packSize, keyCheck: b64("keyCheck", 16),
    ...(vaultUrl ? { vaultUrl } : {}),
  };
  return { config, mac: b64("mac", 32) };
}

/** Check the key (→ WrongKeyError) then the config's authenticity (→ IntegrityError). */
export async function authenticateConfig(parsed: ParsedConfig, keys: KeySchedule): Promise<RepositoryConfig> {
  assertKeyCheck(keys, parsed.config.keyCheck);
  const mac = await keys.backend.hmacSha256(keys.configAuthentication.unsafeBytes(), authenticatedFields(parsed.config));
  if (!equalBytes(mac, parsed.mac)) throw new IntegrityError("auth_failed", "repository config was modified", "config");
  return parsed.config;
}
