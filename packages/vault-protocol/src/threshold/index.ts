/**
 * @chatvault/vault-protocol/threshold — the distributed password mode: n realms, threshold t
 * (spec/threshold-vault.md). Browser-safe: imports nothing from Node.
 */
export * from "./wire.ts";
export { REALM_LABELS, type PolynomialName } from "../labels.ts";
export {
  RealmsUnavailableError,
  RealmMisbehavedError,
  RealmsWrongPasswordError,
  RealmsLockedError,
  RealmsDestroyedError,
  RealmsNotEnabledError,
  RealmProtocolError,
  RealmRequestError,
  RealmUnreachableError,
  type RealmReport,
  type RealmStatus,
  type MisbehaviourReason,
} from "./errors.ts";
export { checkRealmSet, type RealmConfig, type RealmSet } from "./realm-set.ts";
export {
  parseAdminResponse,
  parseEvaluateResponse,
  parseInfoResponse,
  parseProofResponse,
  parseRealmHead,
  parseRecordResponse,
  parseRegisterResponse,
  parseRegistration,
  parseRegistrationInfo,
  parseStartResponse,
  parseUnlockResponse,
  speaksV3,
  parseKsf,
  decodeField,
} from "./codecs.ts";
export { registrationProblem, type RegistrationCheckOptions } from "./registration-check.ts";
export { canonicalJson, adminMessage, signAdmin, verifyAdmin, ADMIN_CLOCK_WINDOW_MS, type AdminBody } from "./admin.ts";
export { defaultArgon2id, hashWasmArgon2id, stretchPassword, type Argon2idFunction } from "./ksf.ts";
export { RealmTransport, realmErrorFromResponse, type RealmApi, type RealmFetch, type RealmTokenProvider, type RealmTransportOptions } from "./transport.ts";
export { createContext, type ThresholdContext, type ThresholdOptions } from "./context.ts";
export { MemoryPendingDeletes, type PendingDelete, type PendingDeletes } from "./pending-deletes.ts";
export { enable, type ThresholdEnableResult } from "./enable.ts";
export { unlock, type ThresholdUnlockResult, type UnlockOptions } from "./unlock.ts";
export { changePassword, type ThresholdChangePasswordResult, type ChangeStep } from "./change-password.ts";
export { disable, flushPendingDeletes, type DisableResult } from "./disable.ts";
export { readHead, advanceHead, type HeadReading, type HeadAdvance } from "./head.ts";
export { status, type ThresholdStatus } from "./status.ts";
export type { RepairAction } from "./repair.ts";
export { deriveHeadSigningKey, verifyHeadSignature, headMessage, type HeadSigningKey } from "../head-proof.ts";
