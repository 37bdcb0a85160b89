/**
 * Sealing of the vault's own long-term secrets at rest (spec/vault-protocol.md §10.3).
 * A `Sealer` holds a key-encryption key (KEK) — in a local key file or in a PKCS#11
 * token as a non-extractable AES key — and seals/opens small blobs with AES-256-GCM:
 *
 *   sealed = 0x01 (version) ‖ nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes)
 *
 * It is used at startup only (to open the OPAQUE server setup and the record key), so an
 * HSM's latency never sits on the login path.
 *
 * This module is the interface only (types, errors, constants), imported by both
 * implementations; `openSealer` in `open-sealer.ts` picks one, so no import cycle.
 */
import { ChatvaultError } from "@chatvault/format";

export const SEALED_VERSION = 1;
/** Label of the PKCS#11 AES key when none is configured. */
export const DEFAULT_PKCS11_KEY_LABEL = "chatvault-vault-kek";

export interface Sealer {
  /** `keyfile` or `pkcs11`; stored beside the sealed blob. */
  readonly kind: string;
  /** Names the KEK without revealing it (key-file fingerprint, PKCS#11 token/label). */
  readonly keyId: string;
  seal(plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  /** Throws `SealerError("sealer_open_failed")` when the blob was not sealed by this key. */
  open(sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  close(): Promise<void>;
}

export type SealerErrorCode =
  | "sealer_key_file_missing"
  | "sealer_key_file_mode"
  | "sealer_key_file_invalid"
  | "sealer_pkcs11_module"
  | "sealer_pkcs11_token"
  | "sealer_pkcs11_login"
  | "sealer_pkcs11_key_missing"
  | "sealer_pkcs11_failed"
  | "sealer_open_failed"
  | "sealer_mismatch";

/** A startup problem with the KEK: the vault refuses to start and says why, in one line. */
export class SealerError extends ChatvaultError {
  constructor(code: SealerErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, { retryable: false, cause: options?.cause });
  }
}

/** How to reach the KEK. */
export type SealerConfig =
  | { kind: "keyfile"; path: string }
  | {
      kind: "pkcs11";
      /** Path of the PKCS#11 module, e.g. /usr/lib/softhsm/libsofthsm2.so */
      module: string;
      /** Token label (default: the first slot with a token). */
      tokenLabel?: string;
      /** User PIN. Prefer `pinFile` or the environment over a command-line flag. */
      pin: string;
      /** Label of the AES-256 key (default "chatvault-vault-kek"). */
      keyLabel?: string;
    };

/** Options for opening a sealer. `createKey` is true only when the database holds no sealed secrets yet. */
export interface OpenSealerOptions {
  createKey: boolean;
}
