/**
 * The primitives the format uses, behind one interface, so the same code runs on
 * WebCrypto (browsers, and Node) and on node:crypto (the Node fast path, `@chatvault/format/node`).
 * Both MUST give identical bytes; `backend.test.ts` and the vectors check it.
 * We implement no primitive: every call goes to the platform.
 */
export interface CryptoBackend {
  readonly name: string;
  /** HKDF-SHA256 (RFC 5869). */
  hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array>;
  hmacSha256(key: Uint8Array, data: Uint8Array): Promise<Uint8Array>;
  sha256(data: Uint8Array): Promise<Uint8Array>;
  /** AES-256-GCM, 12-byte IV, 16-byte tag appended to the ciphertext. */
  aesGcmSeal(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  /** Returns the plaintext, or `null` when authentication fails (callers turn that into a typed error). */
  aesGcmOpen(key: Uint8Array, iv: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array | null>;
  /**
   * Optional: the same bytes as `aesGcmSeal`, written into `out` at `offset`
   * (`plaintext.length + 16` bytes), so a caller assembling a larger buffer (a sealed
   * object's header, spec §5.2) saves a copy of the ciphertext.
   */
  aesGcmSealInto?(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, out: Uint8Array, offset: number): Promise<void>;
  /**
   * Optional: the same bytes as `aesGcmSeal`, as pieces whose concatenation is
   * ciphertext ‖ tag, each in its own buffer as the platform produced it (nothing copied),
   * for a caller that copies them once into a larger buffer anyway (a pack, §8.3).
   */
  aesGcmSealParts?(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array[]>;
  /**
   * Optional: `aesGcmOpen` with the plaintext (`sealed.length - 16` bytes) written into
   * `out` at `offset` instead of a fresh buffer; `false` when authentication fails, and
   * then the bytes written are zeroed again. The plaintext may be written before the tag
   * is checked, piece by piece, each piece after its ciphertext was read: `out` may be
   * the buffer `sealed` lies in when the plaintext starts at or before the ciphertext
   * (opened in place, shifted left). Callers check lengths first (`openObjectInto`).
   */
  aesGcmOpenInto?(key: Uint8Array, iv: Uint8Array, sealed: Uint8Array, aad: Uint8Array, out: Uint8Array, offset: number): Promise<boolean>;
}

/** A source of random bytes; injectable so test vectors are reproducible. */
export type RandomSource = (length: number) => Uint8Array;

export const platformRandom: RandomSource = (length) => globalThis.crypto.getRandomValues(new Uint8Array(length));

type Subtle = SubtleCrypto;

/** WebCrypto backend. Imported keys are cached per key buffer (keys are long-lived). */
export function webCryptoBackend(subtle: Subtle = globalThis.crypto.subtle): CryptoBackend {
  const aesKeys = new WeakMap<Uint8Array, Promise<CryptoKey>>();
  const hmacKeys = new WeakMap<Uint8Array, Promise<CryptoKey>>();
  const aesKey = (raw: Uint8Array): Promise<CryptoKey> => {
    let k = aesKeys.get(raw);
    if (!k) {
      k = subtle.importKey("raw", raw as BufferSource, "AES-GCM", false, ["encrypt", "decrypt"]);
      aesKeys.set(raw, k);
    }
    return k;
  };
  const hmacKey = (raw: Uint8Array): Promise<CryptoKey> => {
    let k = hmacKeys.get(raw);
    if (!k) {
      k = subtle.importKey("raw", raw as BufferSource, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      hmacKeys.set(raw, k);
    }
    return k;
  };
  return {
    name: "webcrypto",
    async hkdf(ikm, salt, info, length) {
      const base = await subtle.importKey("raw", ikm as BufferSource, "HKDF", false, ["deriveBits"]);
      const bits = await subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: salt as BufferSource, info: info as BufferSource }, base, length * 8);
      return new Uint8Array(bits);
    },
    async hmacSha256(key, data) {
      return new Uint8Array(await subtle.sign("HMAC", await hmacKey(key), data as BufferSource));
    },
    async sha256(data) {
      return new Uint8Array(await subtle.digest("SHA-256", data as BufferSource));
    },
    async aesGcmSeal(key, iv, plaintext, aad) {
      const ct = await subtle.encrypt(
        { name: "AES-GCM", iv: iv as BufferSource, additionalData: aad as BufferSource, tagLength: 128 },
        await aesKey(key),
        plaintext as BufferSource,
      );
      return new Uint8Array(ct);
    },
    async aesGcmOpen(key, iv, sealed, aad) {
      if (sealed.length < 16) return null;
      try {
        const pt = await subtle.decrypt(
          { name: "AES-GCM", iv: iv as BufferSource, additionalData: aad as BufferSource, tagLength: 128 },
          await aesKey(key),
          sealed as BufferSource,
        );
        return new Uint8Array(pt);
      } catch {
        return null; // OperationError: authentication failed
      }
    },
  };
}

let defaultBackend: CryptoBackend | undefined;

/** The backend used when none is passed: WebCrypto, unless `setDefaultBackend` chose another. */
export function getDefaultBackend(): CryptoBackend {
  defaultBackend ??= webCryptoBackend();
  return defaultBackend;
}

/** Node entry points call this with the node:crypto backend (faster for many small objects). */
export function setDefaultBackend(backend: CryptoBackend): void {
  defaultBackend = backend;
}
