/**
 * The 64-digit encryption key (spec §4): the 32-byte root key as 64 hex digits,
 * shown as 16 groups of 4 lowercase digits. Parsing is forgiving about case and about
 * spaces, dashes and line breaks between digits, and exact about everything else.
 */
import { KeyFormatError } from "./errors.ts";
import { RootKey } from "./secret.ts";

const DIGITS = 64;
const GROUP = 4;

/** `"0123 4567 89ab …"`: 16 groups of 4 lowercase hex digits separated by single spaces. */
export function formatKey(key: RootKey): string {
  const b = key.unsafeBytes();
  let hex = "";
  for (let i = 0; i < b.length; i++) hex += b[i]!.toString(16).padStart(2, "0");
  const groups: string[] = [];
  for (let i = 0; i < DIGITS; i += GROUP) groups.push(hex.slice(i, i + GROUP));
  return groups.join(" ");
}

/** The groups of a formatted key, e.g. to display in a grid or ask for the last one back. */
export function keyGroups(key: RootKey): string[] {
  return formatKey(key).split(" ");
}

const SEPARATORS = new Set([" ", "-", "\n", "\r", "\t"]);

function describe(ch: string): string {
  const cp = ch.codePointAt(0)!;
  const u = `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
  if (cp < 0x20 || cp === 0x7f) return `control character ${u}`;
  if (cp < 0x7f) return `'${ch}'`;
  // Outside ASCII a glyph alone misleads: a no-break space looks like a space, a
  // zero-width space like nothing, a fullwidth '０' like a digit. Name the code point.
  if (/[\p{C}\p{Z}]/u.test(ch)) return `character ${u}`;
  return `'${ch}' (${u})`;
}

/**
 * Parse a 64-digit key. Accepts upper/lower case; spaces, tabs, dashes and line breaks
 * anywhere between digits (and around the key). Throws `KeyFormatError` saying exactly
 * what is wrong, e.g. `63 digits, expected 64` or `'g' at position 17 is not a hex digit`
 * (positions are 1-based and count every character of the input).
 */
export function parseKey(input: string): RootKey {
  if (typeof input !== "string") throw new TypeError("key must be a string");
  if (input.length > 1024) throw new KeyFormatError(`key text is ${input.length} characters long; a key is 64 digits`);
  const out = new Uint8Array(32);
  let digits = 0;
  let pos = 0;
  for (const ch of input) {
    pos += 1;
    if (SEPARATORS.has(ch)) continue;
    const v = hexValue(ch);
    if (v < 0) throw new KeyFormatError(`${describe(ch)} at position ${pos} is not a hex digit`, pos);
    if (digits >= DIGITS) {
      throw new KeyFormatError(`${countDigits(input)} digits, expected 64`);
    }
    out[digits >> 1] = out[digits >> 1]! | (digits % 2 === 0 ? v << 4 : v);
    digits += 1;
  }
  if (digits !== DIGITS) throw new KeyFormatError(`${digits} digit${digits === 1 ? "" : "s"}, expected 64`);
  return new RootKey(out);
}

function hexValue(ch: string): number {
  const c = ch.charCodeAt(0);
  if (ch.length !== 1) return -1;
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

function countDigits(input: string): number {
  let n = 0;
  for (const ch of input) if (hexValue(ch) >= 0) n++;
  return n;
}
