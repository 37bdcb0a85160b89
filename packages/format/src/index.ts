/**
 * @chatvault/format — the backup format core (spec/backup-format.md).
 * Pure and browser-safe: no I/O, nothing from Node. Node callers may switch to the
 * node:crypto fast path with `@chatvault/format/node` (same bytes).
 */
export { CONFIG_MAC_TAG_V2, CONFIG_MAC_TAG_V3, DB_FINGERPRINT_LABEL, HEAD_RECORD_LABEL, LABELS, PASSKEY_LABELS, ROOT_SALT, type LabelName } from "./labels.ts";
export { ChatvaultError, KeyFormatError, WrongKeyError, IntegrityError, type IntegrityReason } from "./errors.ts";
export {
  base64UrlLength,
  concatBytes,
  equalBytes,
  fromBase64Url,
  fromHex,
  fromUtf8,
  readU32BE,
  toBase64Url,
  toHex,
  utf8,
  writeBase64Url,
  writeU32BE,
} from "./bytes.ts";
export { Secret, RootKey, generateRootKey } from "./secret.ts";
export { type CryptoBackend, type RandomSource, getDefaultBackend, platformRandom, setDefaultBackend, webCryptoBackend } from "./backend.ts";
export { formatKey, keyGroups, parseKey } from "./key-codec.ts";
export { KeySchedule, chunkId, gearTable } from "./key-schedule.ts";
export { assertKeyCheck, keyCheckValue } from "./key-check.ts";
export {
  FORMAT_VERSION,
  NONCE_LENGTH,
  ObjectKind,
  SEAL_OVERHEAD,
  TAG_LENGTH,
  type GcmOpenIntoSync,
  type ObjectContext,
  type ObjectKindName,
  type ObjectKindValue,
  objectAad,
  openObject,
  openObjectInto,
  openObjectIntoSync,
  sealObject,
  sealObjectParts,
} from "./object.ts";
export { DEFAULT_SEGMENT_LOG2, STREAM_HEADER_LENGTH, StreamOpener, StreamSealer, openStream, sealStream, type StreamOptions } from "./stream.ts";
export { Chunker, type ChunkerOptions, DEFAULT_CHUNKER_PARAMS, LISTING_CHUNKER_PARAMS, type ChunkerParams, validateChunkerParams } from "./chunker.ts";
export { ByteQueue } from "./byte-queue.ts";
export { CONFIG_VERSIONS, type ConfigMacFields, type ConfigRealmSet, type ConfigVersion, configMac, configMacInput, verifyConfigMac } from "./config-mac.ts";
export {
  PASSKEY_OBJECT_PREFIX,
  PASSKEY_PRF_SALT_LENGTH,
  PASSKEY_WRAP_VERSION,
  type PasskeyWrap,
  decodePasskeyWrap,
  encodePasskeyWrap,
  newPasskeyPrfSalt,
  passkeyObjectName,
  passkeyWrapAad,
  unwrapRootKeyWithPasskey,
  wrapRootKeyForPasskey,
} from "./passkey-wrap.ts";
