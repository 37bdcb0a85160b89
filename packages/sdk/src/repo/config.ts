/**
 * The repository config (spec §8.2): the only plaintext object. It holds what a client
 * needs before it has a key (the key-check value, how the key is protected, a vault URL
 * hint) and the parameters that shape every backup (repository ID, chunker parameters,
 * pack size), all authenticated by an HMAC under the root key (format/config-mac.ts).
 * Version 2 also authenticates the vault URL; version 1 repositories stay readable.
 * Version 3 (protection "realms") names a realm set instead of one vault (§8.2.1).
 */
import {
  type ChunkerParams,
  type ConfigRealmSet,
  type ConfigVersion,
  IntegrityError,
  type KeySchedule,
  assertKeyCheck,
  configMac,
  fromBase64Url,
  fromUtf8,
  toBase64Url,
  utf8,
  validateChunkerParams,
  verifyConfigMac,
} from "@chatvault/format";

export type Protection = "key" | "password" | "realms" | "passkey";

/** The config version new repositories get (spec §8.2). */
export const CONFIG_VERSION: ConfigVersion = 2;
/**
 * Version 3 goes with the protection modes older clients do not know, so they refuse
 * such a repository by its version: a realm set (spec §8.2.1) or passkeys (spec §13).
 */
export const REALMS_CONFIG_VERSION: ConfigVersion = 3;
export const PASSKEY_CONFIG_VERSION: ConfigVersion = 3;
/** Most realms a set may name (spec/threshold-vault.md §2.2). */
const MAX_CONFIG_REALMS = 9;

export interface RepositoryConfig {
  version: ConfigVersion;
  repoId: string;
  created: string;
  protection: Protection;
  /**
   * Where the vault holding the wrapped key lives (password mode). A hint until the key is
   * known; from version 2 on, authenticated once it is (a version 1 config's is not).
   */
  vaultUrl?: string;
  /** Protection "realms" (version 3): the realm set holding K's shares, authenticated by the MAC. */
  realmSet?: ConfigRealmSet;
  chunker: ChunkerParams;
  packSize: number;
  keyCheck: Uint8Array;
}

const MAX_CONFIG_BYTES = 64 * 1024;

export async function encodeConfig(c: RepositoryConfig, keys: KeySchedule): Promise<Uint8Array> {
  const mac = await configMac(keys, c);
  const json = {
    format: "chatvault-repository",
    version: c.version,
    repoId: c.repoId,
    created: c.created,
    protection: c.protection,
    ...(c.vaultUrl ? { vaultUrl: c.vaultUrl } : {}),
    ...(c.realmSet ? { realms: { threshold: c.realmSet.threshold, realms: c.realmSet.realms.map((r) => ({ id: r.id, url: r.url })) } } : {}),
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
  if (j.version !== 1 && j.version !== 2 && j.version !== 3)
    throw new IntegrityError("unsupported_version", `repository version ${String(j.version)} is not supported`, "config");
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
  if (protection !== "key" && protection !== "password" && protection !== "realms" && protection !== "passkey") throw bad("unknown protection");
  // Version 3 exactly for the protection modes that need it (§8.2.1, §13.1); a realm set only with protection realms.
  if ((protection === "realms" || protection === "passkey") !== (j.version === 3))
    throw bad(`protection ${protection} is not valid in version ${String(j.version)}`);
  const realmSet = protection === "realms" ? parseRealmSet(j.realms) : undefined;
  if (protection !== "realms" && j.realms !== undefined) throw bad("field realms without protection realms");
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
    version: j.version,
    repoId,
    created: str("created"),
    protection,
    chunker,
    packSize,
    keyCheck: b64("keyCheck", 16),
    ...(vaultUrl ? { vaultUrl } : {}),
    ...(realmSet ? { realmSet } : {}),
  };
  return { config, mac: b64("mac", 32) };
}

/** `realms: {threshold, realms: [{id, url}]}` (§8.2.1); the MAC still has to vouch for it. */
function parseRealmSet(v: unknown): ConfigRealmSet {
  const o = v as { threshold?: unknown; realms?: unknown } | null;
  if (typeof o !== "object" || o === null || !Array.isArray(o.realms)) throw bad("field realms must be {threshold, realms: [...]}");
  const n = o.realms.length;
  if (n < 1 || n > MAX_CONFIG_REALMS) throw bad(`a realm set has 1 to ${MAX_CONFIG_REALMS} realms`);
  if (typeof o.threshold !== "number" || !Number.isInteger(o.threshold) || o.threshold < 1 || o.threshold > n)
    throw bad("realm threshold must be an integer in [1, number of realms]");
  const ids = new Set<string>();
  const urls = new Set<string>();
  const realms = o.realms.map((r: unknown) => {
    const x = r as { id?: unknown; url?: unknown } | null;
    if (typeof x !== "object" || x === null || typeof x.id !== "string" || !/^[A-Za-z0-9_-]{22}$/.test(x.id))
      throw bad("realm id must be base64url of 16 bytes");
    if (typeof x.url !== "string" || x.url.length > 2048 || !/^https?:\/\/[^\s]+$/.test(x.url)) throw bad("realm url must be an http(s) URL");
    if (ids.has(x.id) || urls.has(x.url)) throw bad("realm ids and urls must be distinct");
    ids.add(x.id);
    urls.add(x.url);
    return { id: x.id, url: x.url };
  });
  return { threshold: o.threshold, realms };
}

/** Check the key (→ WrongKeyError) then the config's authenticity (→ IntegrityError). */
export async function authenticateConfig(parsed: ParsedConfig, keys: KeySchedule): Promise<RepositoryConfig> {
  assertKeyCheck(keys, parsed.config.keyCheck);
  await verifyConfigMac(keys, parsed.config, parsed.mac);
  return parsed.config;
}
