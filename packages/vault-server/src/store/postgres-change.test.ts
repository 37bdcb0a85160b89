/** Prepared-statement names (postgres-change.ts): a function of the text alone, remembered or not. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { statementName } from "./postgres-change.ts";

const byHash = (text: string) => `cv_${createHash("sha256").update(text).digest("base64url").slice(0, 22)}`;

test("statement names: the text's SHA-256 name, the same when remembered, distinct per text, past the memo's bound", () => {
  const texts = Array.from({ length: 1300 }, (_, i) => `SELECT ${i} AS n`);
  const first = texts.map(statementName);
  assert.deepEqual(first, texts.map(byHash));
  assert.equal(new Set(first).size, texts.length);
  // Asked again (some remembered, some forgotten when the memo started over): the same names.
  assert.deepEqual(texts.map(statementName), first);
  // A text built piece by piece, as the statements are, gets the name of the equal literal.
  const built = ["SELECT ", String(7), " AS n"].join("");
  assert.equal(statementName(built), first[7]);
});
