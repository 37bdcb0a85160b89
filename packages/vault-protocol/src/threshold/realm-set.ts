/**
 * The realm set a repository is configured with (spec/threshold-vault.md §2.2): threshold t
 * and n ordered realms; realm at position i (1-based) holds share index i.
 */
import { decodeField } from "./codecs.ts";
import { MAX_REALMS } from "./shamir.ts";
import { REALM_FIELD_BYTES } from "./wire.ts";

export interface RealmConfig {
  /** The realm's ID (base64url of 16 bytes), as `GET /realm/v1/info` answers it. */
  id: string;
  /** Base URL, e.g. `https://realm-a.example`. */
  url: string;
}

export interface RealmSet {
  threshold: number;
  realms: RealmConfig[];
}

/** Throws TypeError/RangeError naming what is wrong with a realm set. */
export function checkRealmSet(set: RealmSet): void {
  if (!set || typeof set !== "object" || !Array.isArray(set.realms)) throw new TypeError("realm set must be {threshold, realms: [...]}");
  const n = set.realms.length;
  if (n < 1 || n > MAX_REALMS) throw new RangeError(`a realm set has 1 to ${MAX_REALMS} realms`);
  if (!Number.isInteger(set.threshold) || set.threshold < 1 || set.threshold > n) throw new RangeError("threshold must be an integer in [1, number of realms]");
  const ids = new Set<string>();
  const urls = new Set<string>();
  for (const r of set.realms) {
    if (decodeField(r.id, REALM_FIELD_BYTES.realmId) === null) throw new TypeError("realm id must be base64url of 16 bytes");
    if (typeof r.url !== "string" || !/^https?:\/\/[^\s]+$/.test(r.url)) throw new TypeError("realm url must be an http(s) URL");
    if (ids.has(r.id)) throw new RangeError("realm ids must be distinct");
    if (urls.has(r.url)) throw new RangeError("realm urls must be distinct");
    ids.add(r.id);
    urls.add(r.url);
  }
}
