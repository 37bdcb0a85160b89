/**
 * The realm wire contract, from the threshold client's package (spec/threshold-vault.md §5):
 * paths, field sizes, error codes, message types, the §4.2 registration checks, the admin
 * signature and the head proof. One import point, so the server never re-declares a shape
 * the client parses.
 */
export {
  REALM_PATHS,
  REALM_FIELD_BYTES,
  REALM_ERROR_STATUS,
  REALM_PROTOCOL_NAME,
  REALM_PROTOCOL_V3,
  ADMIN_OPS,
  ADMIN_CLOCK_WINDOW_MS,
  registrationProblem,
  verifyAdmin,
  verifyHeadSignature,
  type RealmErrorCode,
  type RealmField,
  type RealmRecordResponse,
  type RealmInfoResponse,
  type RealmHead,
  type EvaluateRequest,
  type EvaluateResponse,
  type StartRequest,
  type StartResponse,
  type ProofRequest,
  type ProofResponse,
  type UnlockRequest,
  type UnlockResponse,
  type RegisterRequest,
  type RegisterResponse,
  type AdminRequest,
  type AdminResponse,
  type AdminOp,
  type RegistrationRef,
} from "@chatvault/vault-protocol/threshold";
