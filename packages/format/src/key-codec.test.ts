import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { KeyFormatError } from "./errors.ts";
import { formatKey, keyGroups, parseKey } from "./key-codec.ts";
import { toHex } from "./bytes.ts";
import { RootKey } from "./secret.ts";

const keyOf = (b: Uint8Array) => new RootKey(b);
const seq = Uint8Array.from({ length: 32 }, (_, i) => i);
const SEQ_TEXT = "0001 0203 0405 0607 0809 0a0b 0c0d 0e0f 1011 1213 1415 1617 1819 1a1b 1c1d 1e1f";
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

test("formatKey: 16 groups of 4 lowercase hex digits, single spaces", () => {
  assert.equal(formatKey(keyOf(seq)), SEQ_TEXT);
  assert.equal(formatKey(keyOf(new Uint8Array(32).fill(0xab))), Array(16).fill("abab").join(" "));
  fc.assert(fc.property(bytes32, (b) => /^([0-9a-f]{4} ){15}[0-9a-f]{4}$/.test(formatKey(keyOf(b)))));
});

test("keyGroups: the 16 groups of the formatted key", () => {
  assert.deepEqual(keyGroups(keyOf(seq)), SEQ_TEXT.split(" "));
});

test("parse ∘ format = identity, format ∘ parse = canonical form", () => {
  fc.assert(
    fc.property(bytes32, (b) => {
      const k = parseKey(formatKey(keyOf(b)));
      assert.deepEqual(k.unsafeBytes(), b);
    }),
  );
});

const separator = fc.constantFrom(" ", "-", "\n", "\r\n", "\t", "  ", " - ");
/** The key's digits in random case with random separators between and around them. */
const messyKey = fc.tuple(bytes32, fc.array(fc.tuple(fc.boolean(), fc.option(separator, { freq: 3 })), { minLength: 65, maxLength: 65 })).map(([b, noise]) => {
  const hex = toHex(b);
  let s = noise[64]![1] ?? "";
  for (let i = 0; i < 64; i++) s += (noise[i]![0] ? hex[i]!.toUpperCase() : hex[i]!) + (noise[i]![1] ?? "");
  return { bytes: b, text: s };
});

test("parse accepts upper/lower case and spaces, dashes, tabs, line breaks anywhere between digits", () => {
  fc.assert(
    fc.property(messyKey, ({ bytes, text }) => {
      const k = parseKey(text);
      assert.deepEqual(k.unsafeBytes(), bytes);
      assert.equal(formatKey(k), formatKey(keyOf(bytes)));
    }),
  );
});

/** Boundary table: input → exact message. Positions are 1-based code points. */
const REJECTS: [string, string, number | undefined][] = [
  ["", "0 digits, expected 64", undefined],
  ["   \n", "0 digits, expected 64", undefined],
  ["f", "1 digit, expected 64", undefined],
  [SEQ_TEXT.slice(0, -1), "63 digits, expected 64", undefined],
  [`${SEQ_TEXT}0`, "65 digits, expected 64", undefined],
  [`${SEQ_TEXT} ${SEQ_TEXT}`, "128 digits, expected 64", undefined],
  [`${SEQ_TEXT.slice(0, 16)}g${SEQ_TEXT.slice(17)}`, "'g' at position 17 is not a hex digit", 17],
  [SEQ_TEXT.replace(/ /g, "_"), "'_' at position 5 is not a hex digit", 5],
  [SEQ_TEXT.replace(/ /g, "."), "'.' at position 5 is not a hex digit", 5],
  [SEQ_TEXT.replace(/ /g, "/"), "'/' at position 5 is not a hex digit", 5],
  [`0x${SEQ_TEXT}`, "'x' at position 2 is not a hex digit", 2],
  [`${SEQ_TEXT.slice(0, 4)}\u0000${SEQ_TEXT.slice(5)}`, "control character U+0000 at position 5 is not a hex digit", 5],
  [`${SEQ_TEXT.slice(0, 4)}\u007f${SEQ_TEXT.slice(5)}`, "control character U+007F at position 5 is not a hex digit", 5],
  [SEQ_TEXT.replace(/ /g, "\u00a0"), "character U+00A0 at position 5 is not a hex digit", 5],
  [`\ufeff${SEQ_TEXT}`, "character U+FEFF at position 1 is not a hex digit", 1],
  [`\u0661${SEQ_TEXT.slice(1)}`, "'\u0661' (U+0661) at position 1 is not a hex digit", 1],
  [`🔑🔑${SEQ_TEXT}`, "'🔑' (U+1F511) at position 1 is not a hex digit", 1],
  [`\ud800${SEQ_TEXT}`, "character U+D800 at position 1 is not a hex digit", 1],
  [`${SEQ_TEXT}${" ".repeat(2000)}`, `key text is ${SEQ_TEXT.length + 2000} characters long; a key is 64 digits`, undefined],
];

test("parse rejects malformed keys with a message saying exactly what is wrong", () => {
  for (const [input, message, position] of REJECTS) {
    assert.throws(
      () => parseKey(input),
      (e: unknown) => {
        assert.ok(e instanceof KeyFormatError, `${JSON.stringify(input)} threw ${String(e)}`);
        assert.equal(e.message, message);
        assert.equal(e.code, "key_format");
        assert.equal(e.position, position);
        assert.equal(e.retryable, false);
        return true;
      },
    );
  }
});

test("a stray character is reported at its position, whatever the key", () => {
  const bad = fc.constantFrom("g", "z", "_", ".", ":", ",", "=", "O", "l", "#", "é", "+");
  fc.assert(
    fc.property(bytes32, fc.nat(79), bad, (b, at, ch) => {
      const text = formatKey(keyOf(b));
      const input = text.slice(0, at) + ch + text.slice(at);
      const e = (() => {
        try {
          parseKey(input);
        } catch (x) {
          return x;
        }
      })();
      assert.ok(e instanceof KeyFormatError);
      assert.equal(e.position, at + 1);
      assert.ok(e.message.endsWith(`at position ${at + 1} is not a hex digit`), e.message);
    }),
  );
});

test("wrong digit counts say how many digits there are", () => {
  fc.assert(
    fc.property(fc.stringMatching(/^[0-9a-fA-F \n-]{0,300}$/), (s) => {
      const n = s.replace(/[^0-9a-fA-F]/g, "").length;
      fc.pre(n !== 64);
      assert.throws(() => parseKey(s), { name: "KeyFormatError", message: `${n} digit${n === 1 ? "" : "s"}, expected 64` });
    }),
  );
});

test("error messages never echo the key's digits", () => {
  const text = formatKey(keyOf(seq));
  for (const input of [text.slice(0, -1), `${text}f`, `${text}x`]) {
    try {
      parseKey(input);
      assert.fail("accepted");
    } catch (e) {
      for (const group of text.split(" ").slice(1)) assert.ok(!(e as Error).message.includes(group), (e as Error).message);
    }
  }
});

test("parse rejects non-strings with TypeError", () => {
  assert.throws(() => parseKey(42 as unknown as string), TypeError);
  assert.throws(() => parseKey(undefined as unknown as string), TypeError);
});
