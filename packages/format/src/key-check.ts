/**
 * Key-check value (spec §3.3): a 16-byte HKDF output of the root key, stored in the clear
 * in the repository config. A key whose KCV differs is the wrong key; a key whose KCV
 * matches but whose objects fail to open means the backup is corrupted. With a 256-bit
 * random root key, publishing 128 bits of an independent HKDF output reveals nothing useful.
 */
import { equalBytes } from "./bytes.ts";
import { WrongKeyError } from "./errors.ts";
import type { KeySchedule } from "./key-schedule.ts";

export function keyCheckValue(keys: KeySchedule): Uint8Array {
  return keys.keyCheck;
}

/** Throws `WrongKeyError` unless `stored` is this key's check value. */
export function assertKeyCheck(keys: KeySchedule, stored: Uint8Array): void {
  if (!equalBytes(keys.keyCheck, stored)) throw new WrongKeyError();
}
