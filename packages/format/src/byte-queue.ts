/** A FIFO of bytes: push arbitrary pieces, take exact lengths. Copies only what it must. */
export class ByteQueue {
  #parts: Uint8Array[] = [];
  #head = 0; // offset into parts[0]
  #length = 0;

  get length(): number {
    return this.#length;
  }

  /** Keeps a reference to `data`'s bytes via a copy, so callers may reuse their buffer. */
  push(data: Uint8Array): void {
    if (data.length === 0) return;
    this.#parts.push(data.slice());
    this.#length += data.length;
  }

  /** Queue `data` without copying: the caller promises not to change it while queued. */
  pushBorrowed(data: Uint8Array): void {
    if (data.length === 0) return;
    this.#parts.push(data);
    this.#length += data.length;
  }

  take(n: number): Uint8Array {
    if (n > this.#length) throw new RangeError(`take(${n}) with ${this.#length} queued`);
    const first = this.#parts[0];
    if (first && first.length - this.#head >= n) {
      const out = first.subarray(this.#head, this.#head + n);
      this.#head += n;
      if (this.#head === first.length) {
        this.#parts.shift();
        this.#head = 0;
      }
      this.#length -= n;
      return out;
    }
    const out = new Uint8Array(n);
    let o = 0;
    while (o < n) {
      const p = this.#parts[0]!;
      const m = Math.min(n - o, p.length - this.#head);
      out.set(p.subarray(this.#head, this.#head + m), o);
      o += m;
      this.#head += m;
      if (this.#head === p.length) {
        this.#parts.shift();
        this.#head = 0;
      }
    }
    this.#length -= n;
    return out;
  }
}
