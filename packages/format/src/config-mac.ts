/**
 * The repository config's MAC (spec §8.2): HMAC-SHA256 under the config-authentication
 * subkey over a canonical list of the config's fields. Version 2 adds the vault URL hint
 * to what is covered, so a storage provider can neither switch the protection mode nor
 * redirect a client to a vault it chose without the MAC failing. Version 1 (kept
 * readable) covers every field but the vault URL. Version 3 is the realm-set config
 * (protection "realms"): it adds the threshold and every realm's ID and URL, so a storage
 * provider can neither swap, drop nor add a realm, nor lower the threshold.
 */
import { equalBytes, toBase64Url, utf8 } from "./bytes.ts";
import type { ChunkerParams } from "./chunker.ts";
import { IntegrityError } from "./errors.ts";
import type { KeySchedule } from "./key-schedule.ts";
import { CONFIG_MAC_TAG_V2, CONFIG_MAC_TAG_V3 } from "./labels.ts";

export type ConfigVersion = 1 | 2 | 3;
export const CONFIG_VERSIONS: readonly ConfigVersion[] = [1, 2, 3];

/** The realm set a version 3 config names (spec §8.2.1): threshold t and the n realms, in share order. */
export interface ConfigRealmSet {
  threshold: number;
  realms: { id: string; url: string }[];
}

export interface ConfigMacFields {
  version: ConfigVersion;
  repoId: string;
  created: string;
  protection: string;
  vaultUrl?: string;
  /** Version 3 only. */
  realmSet?: ConfigRealmSet;
  chunker: ChunkerParams;
  packSize: number;
  keyCheck: Uint8Array;
}

/** The bytes the MAC covers: a JSON array, fixed order, no whitespace (spec §8.2). */
export function configMacInput(c: ConfigMacFields): Uint8Array {
  const { min, avg, max } = c.chunker;
  const keyCheck = toBase64Url(c.keyCheck);
  if (c.version === 1) return utf8(JSON.stringify([1, c.repoId, c.created, c.protection, min, avg, max, c.packSize, keyCheck]));
  if (c.version === 3) {
    const set = c.realmSet ? [c.realmSet.threshold, c.realmSet.realms.map((r) => [r.id, r.url])] : null;
    return utf8(JSON.stringify([CONFIG_MAC_TAG_V3, c.repoId, c.created, c.protection, c.vaultUrl ?? null, set, min, avg, max, c.packSize, keyCheck]));
  }
  return utf8(JSON.stringify([CONFIG_MAC_TAG_V2, c.repoId, c.created, c.protection, c.vaultUrl ?? null, min, avg, max, c.packSize, keyCheck]));
}

export async function configMac(keys: KeySchedule, c: ConfigMacFields): Promise<Uint8Array> {
  return keys.backend.hmacSha256(keys.configAuthentication.unsafeBytes(), configMacInput(c));
}

/** IntegrityError("auth_failed") unless `mac` authenticates `c` (check the key-check value first). */
export async function verifyConfigMac(keys: KeySchedule, c: ConfigMacFields, mac: Uint8Array): Promise<void> {
  if (!equalBytes(await configMac(keys, c), mac)) throw new IntegrityError("auth_failed", "repository config was modified", "config");
}
