import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidObjectNameError } from "./errors.ts";
import { checkListPrefix, checkObjectName, checkRange, isValidObjectName } from "./names.ts";

test("names: valid and invalid examples", () => {
  for (const ok of ["a", "a/b", "packs/0a/0a1b", "..a", "a..", ".x", "A-Z_0.9"]) assert.ok(isValidObjectName(ok), ok);
  for (const bad of ["", "/a", "a/", "a//b", ".", "..", "a/../b", "a b", "é", "a~"]) assert.ok(!isValidObjectName(bad), bad);
  assert.throws(() => checkObjectName("../etc/passwd"), InvalidObjectNameError);
});

test("names: the error never echoes the name (it may be garbage or a secret pasted by mistake)", () => {
  try {
    checkObjectName("secret value/../x");
    assert.fail("no error");
  } catch (error) {
    assert.ok(error instanceof InvalidObjectNameError);
    assert.equal(error.code, "invalid_object_name");
    assert.equal(error.retryable, false);
    assert.ok(!error.message.includes("secret"));
  }
});

test("names: a list prefix is '' or the start of a valid name", () => {
  for (const ok of ["", "a", "a/", "a/b", "a/.", "a/.."]) checkListPrefix(ok);
  for (const bad of ["/", "a//", "../", "a/../", "./", " "]) assert.throws(() => checkListPrefix(bad), InvalidObjectNameError, bad);
});

test("ranges: non-negative safe integers only, named in the error", () => {
  checkRange({ offset: 0, length: 0 });
  assert.throws(() => checkRange({ offset: -1, length: 1 }), /range\.offset/);
  assert.throws(() => checkRange({ offset: 0, length: 0.5 }), /range\.length/);
  assert.throws(() => checkRange({ offset: 2 ** 53, length: 1 }), RangeError);
});
