/**
 * The index entries of the chunks a backup's packer has uploaded, kept packed until the
 * commit writes them into the new index (spec §8.4): the chunk ID's 32 bytes and the
 * location as numbers, ~53 bytes an entry, where an entry object and its hex ID held ~150
 * bytes of this thread's heap for every new chunk to the end of the backup (~47,000 in a
 * full backup of the bench corpus; docs/performance.md, "Full backup, round 8").
 */
import { fromHex, toHex } from "@chatvault/format";
import type { IndexEntry } from "../repo/chunk-index.ts";

const ID = 32;

export class WrittenEntries {
  #ids = new Uint8Array(256 * ID);
  /** offset, length, rawLength, pack number: four per entry. */
  #numbers = new Uint32Array(256 * 4);
  #flags = new Uint8Array(256);
  readonly #packs: string[] = [];
  #count = 0;

  get length(): number {
    return this.#count;
  }

  /** The entries of one uploaded pack (its name's hex). */
  addPack(pack: string, entries: readonly { id: string; offset: number; length: number; rawLength: number; flags: number }[]): void {
    const p = this.#packs.push(pack) - 1;
    for (const e of entries) {
      if (this.#count === this.#flags.length) this.#grow();
      const n = this.#count++;
      this.#ids.set(fromHex(e.id), n * ID);
      this.#numbers[n * 4] = e.offset;
      this.#numbers[n * 4 + 1] = e.length;
      this.#numbers[n * 4 + 2] = e.rawLength;
      this.#numbers[n * 4 + 3] = p;
      this.#flags[n] = e.flags;
    }
  }

  /** The entries as the index encoder takes them, in upload order. */
  entries(): IndexEntry[] {
    const out: IndexEntry[] = [];
    for (let n = 0; n < this.#count; n++) {
      const id = toHex(this.#ids.subarray(n * ID, (n + 1) * ID));
      const k = n * 4;
      out.push({
        id,
        offset: this.#numbers[k]!,
        length: this.#numbers[k + 1]!,
        rawLength: this.#numbers[k + 2]!,
        flags: this.#flags[n]!,
        pack: this.#packs[this.#numbers[k + 3]!]!,
      });
    }
    return out;
  }

  #grow(): void {
    const ids = new Uint8Array(this.#ids.length * 2);
    ids.set(this.#ids);
    this.#ids = ids;
    const numbers = new Uint32Array(this.#numbers.length * 2);
    numbers.set(this.#numbers);
    this.#numbers = numbers;
    const flags = new Uint8Array(this.#flags.length * 2);
    flags.set(this.#flags);
    this.#flags = flags;
  }
}
