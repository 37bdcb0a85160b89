/**
 * KEK in a PKCS#11 token (HSM; SoftHSM2 in tests), spec/vault-protocol.md §10.3.2.
 * The key is a token object: AES-256, sensitive, NOT extractable, found by label (or
 * created on the vault's very first start). Sealing is AES-GCM inside the token; the key
 * never enters this process. Every failure at startup is a one-line `SealerError`.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import graphene from "graphene-pk11";
import { DEFAULT_PKCS11_KEY_LABEL, SEALED_VERSION, SealerError, type OpenSealerOptions, type Sealer, type SealerConfig } from "./sealer.ts";

type Pkcs11Config = Extract<SealerConfig, { kind: "pkcs11" }>;

export async function openPkcs11Sealer(config: Pkcs11Config, options: OpenSealerOptions): Promise<Sealer> {
  const { Module, SessionFlag, ObjectClass, KeyGenMechanism, KeyType } = graphene;
  if (!existsSync(config.module)) throw new SealerError("sealer_pkcs11_module", `PKCS#11 module ${config.module} does not exist`);
  let mod: graphene.Module;
  try {
    mod = Module.load(config.module, "vault-hsm");
    mod.initialize();
  } catch (cause) {
    throw new SealerError("sealer_pkcs11_module", `cannot load PKCS#11 module ${config.module}: ${short(cause)}`, { cause });
  }
  try {
    const slots = mod.getSlots(true);
    let slot: graphene.Slot | undefined;
    for (let i = 0; i < slots.length; i++) {
      const s = slots.items(i);
      const label = s.getToken().label.trim();
      if (config.tokenLabel === undefined || label === config.tokenLabel) {
        slot = s;
        break;
      }
    }
    if (!slot) {
      throw new SealerError(
        "sealer_pkcs11_token",
        config.tokenLabel === undefined
          ? `PKCS#11 module ${config.module} has no initialised token`
          : `PKCS#11 token "${config.tokenLabel}" not found in ${config.module}`,
      );
    }
    const tokenLabel = slot.getToken().label.trim();
    const session = slot.open(SessionFlag.SERIAL_SESSION | SessionFlag.RW_SESSION);
    try {
      session.login(config.pin);
    } catch (cause) {
      session.close();
      const m = short(cause);
      throw new SealerError(
        "sealer_pkcs11_login",
        /PIN_INCORRECT|PIN_LEN|PIN_INVALID/.test(m)
          ? `PKCS#11 login to token "${tokenLabel}" failed: wrong PIN (${m})`
          : `PKCS#11 login to token "${tokenLabel}" failed: ${m}`,
        { cause },
      );
    }
    const keyLabel = config.keyLabel ?? DEFAULT_PKCS11_KEY_LABEL;
    const found = session.find({ class: ObjectClass.SECRET_KEY, keyType: KeyType.AES, label: keyLabel });
    let key: graphene.SecretKey;
    if (found.length > 0) {
      key = found.items(0).toType<graphene.SecretKey>();
    } else if (options.createKey) {
      key = session.generateKey(KeyGenMechanism.AES, {
        class: ObjectClass.SECRET_KEY,
        keyType: KeyType.AES,
        valueLen: 32,
        label: keyLabel,
        token: true,
        sensitive: true,
        extractable: false,
        encrypt: true,
        decrypt: true,
        wrap: false,
        unwrap: false,
      });
    } else {
      session.logout();
      session.close();
      throw new SealerError(
        "sealer_pkcs11_key_missing",
        `PKCS#11 key "${keyLabel}" not found on token "${tokenLabel}", but the database holds secrets sealed by a PKCS#11 key; check --pkcs11-key-label and the token`,
      );
    }
    if (key.getAttribute("extractable") === true) {
      throw new SealerError("sealer_pkcs11_failed", `PKCS#11 key "${keyLabel}" is extractable; the vault requires a non-extractable key`);
    }
    return new Pkcs11Sealer(mod, session, key, `pkcs11:${tokenLabel}/${keyLabel}`);
  } catch (e) {
    try {
      mod.finalize();
    } catch {
      /* already failing */
    }
    if (e instanceof SealerError) throw e;
    throw new SealerError("sealer_pkcs11_failed", `PKCS#11 error: ${short(e)}`, { cause: e });
  }
}

function short(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0]!.slice(0, 200);
}

class Pkcs11Sealer implements Sealer {
  readonly kind = "pkcs11";
  constructor(
    private readonly mod: graphene.Module,
    private readonly session: graphene.Session,
    private readonly key: graphene.SecretKey,
    readonly keyId: string,
  ) {}

  #gcm(iv: Uint8Array, aad: Uint8Array): graphene.IAlgorithm {
    return { name: "AES_GCM", params: new graphene.AesGcm240Params(Buffer.from(iv), Buffer.from(aad), 128) };
  }

  async seal(plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    const iv = randomBytes(12);
    const ct = this.session.createCipher(this.#gcm(iv, aad), this.key).once(Buffer.from(plaintext), Buffer.alloc(plaintext.length + 32));
    return new Uint8Array(Buffer.concat([Buffer.of(SEALED_VERSION), iv, ct]));
  }

  async open(sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    if (sealed.length < 1 + 12 + 16 || sealed[0] !== SEALED_VERSION) throw new SealerError("sealer_open_failed", "sealed blob is malformed");
    try {
      const body = Buffer.from(sealed.subarray(13));
      return new Uint8Array(this.session.createDecipher(this.#gcm(sealed.subarray(1, 13), aad), this.key).once(body, Buffer.alloc(body.length + 32)));
    } catch (cause) {
      // SoftHSM reports a failed GCM tag as CKR_GENERAL_ERROR (recipes/README.md).
      throw new SealerError("sealer_open_failed", `sealed blob does not open with PKCS#11 key ${this.keyId}`, { cause });
    }
  }

  async close(): Promise<void> {
    try {
      this.session.logout();
      this.session.close();
    } finally {
      this.mod.finalize();
    }
  }

  toString(): string {
    return `Pkcs11Sealer(${this.keyId})`;
  }
}
