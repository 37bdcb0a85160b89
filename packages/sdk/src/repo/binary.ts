/**
 * Bounds-checked binary reading/writing for the repository's binary objects (pack
 * headers, indexes). Every read of untrusted bytes goes through `BinaryReader`, which
 * throws `IntegrityError("bad_structure")` instead of reading past the end.
 */
import { IntegrityError } from "@chatvault/format";

export class BinaryWriter {
  #buf: Uint8Array;
  #view: DataView;
  #len = 0;
  constructor(capacity = 1024) {
    this.#buf = new Uint8Array(capacity);
    this.#view = new DataView(this.#buf.buffer);
  }
  #ensure(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    let cap = this.#buf.length * 2;
    while (cap < this.#len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }
  u8(v: number): this {
    this.#ensure(1);
    this.#buf[this.#len++] = v;
    return this;
  }
  u32(v: number): this {
    this.#ensure(4);
    this.#view.setUint32(this.#len, v);
    this.#len += 4;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.#ensure(b.length);
    this.#buf.set(b, this.#len);
    this.#len += b.length;
    return this;
  }
  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}

export class BinaryReader {
  readonly #buf: Uint8Array;
  readonly #view: DataView;
  readonly #what: string;
  #pos = 0;
  constructor(buf: Uint8Array, what: string) {
    this.#buf = buf;
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.#what = what;
  }
  get remaining(): number {
    return this.#buf.length - this.#pos;
  }
  #need(n: number): void {
    if (n > this.remaining) throw new IntegrityError("bad_structure", `${this.#what} is cut short at byte ${this.#pos}`);
  }
  u8(): number {
    this.#need(1);
    return this.#buf[this.#pos++]!;
  }
  u32(): number {
    this.#need(4);
    const v = this.#view.getUint32(this.#pos);
    this.#pos += 4;
    return v;
  }
  bytes(n: number): Uint8Array {
    this.#need(n);
    const out = this.#buf.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return out;
  }
  /** A count of records of `recordSize` bytes each, checked against what is left. */
  count(recordSize: number): number {
    const n = this.u32();
    if (n * recordSize > this.remaining) throw new IntegrityError("bad_structure", `${this.#what} claims ${n} records but is too short`);
    return n;
  }
  end(): void {
    if (this.remaining !== 0) throw new IntegrityError("trailing_data", `${this.#what} has ${this.remaining} unexpected trailing bytes`);
  }
}
