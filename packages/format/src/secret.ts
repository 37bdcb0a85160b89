/**
 * Secret values never print. `String(x)`, `JSON.stringify(x)` and Node's `util.inspect`
 * all give `[redacted]`; the bytes are reachable only through an explicit accessor.
 * (Wiping memory is best effort in JS: `wipe()` zeroes our copy, not copies the engine made.)
 */
const inspectSymbol = Symbol.for("nodejs.util.inspect.custom");

export class Secret {
  readonly #bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }
  /** The secret bytes. Call sites are easy to grep for: keep them few. */
  unsafeBytes(): Uint8Array {
    return this.#bytes;
  }
  get length(): number {
    return this.#bytes.length;
  }
  wipe(): void {
    this.#bytes.fill(0);
  }
  toString(): string {
    return "[redacted]";
  }
  toJSON(): string {
    return "[redacted]";
  }
  [inspectSymbol](): string {
    return `${this.constructor.name} [redacted]`;
  }
}

/** The backup's 32-byte root key K (spec §3). */
export class RootKey extends Secret {
  static readonly LENGTH = 32;
  constructor(bytes: Uint8Array) {
    if (!(bytes instanceof Uint8Array)) throw new TypeError("root key must be a Uint8Array");
    if (bytes.length !== RootKey.LENGTH) throw new RangeError(`root key must be 32 bytes, got ${bytes.length}`);
    super(bytes);
  }
}

/** A fresh root key from the platform CSPRNG (WebCrypto `getRandomValues`, in Node and browsers). */
export function generateRootKey(): RootKey {
  return new RootKey(globalThis.crypto.getRandomValues(new Uint8Array(RootKey.LENGTH)));
}
