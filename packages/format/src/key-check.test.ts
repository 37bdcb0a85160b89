import { test } from "node:test";
import assert from "node:assert/strict";
import { WrongKeyError } from "./errors.ts";
import { assertKeyCheck, keyCheckValue } from "./key-check.ts";
import { KeySchedule } from "./key-schedule.ts";
import { RootKey } from "./secret.ts";

const derive = (fill: number) => KeySchedule.derive(new RootKey(new Uint8Array(32).fill(fill)));

test("the right key passes its key-check value", async () => {
  const keys = await derive(1);
  assert.equal(keyCheckValue(keys).length, 16);
  assertKeyCheck(keys, keyCheckValue(keys).slice());
});

test("a wrong key fails as WrongKeyError (wrong_key), never as corruption", async () => {
  const right = await derive(1);
  const wrong = await derive(2);
  assert.throws(
    () => assertKeyCheck(wrong, keyCheckValue(right)),
    (e: unknown) => {
      assert.ok(e instanceof WrongKeyError);
      assert.equal(e.code, "wrong_key");
      assert.equal(e.retryable, false);
      assert.equal(e.message, "this key does not open this backup");
      return true;
    },
  );
});

test("a stored value of the wrong length or with one bit changed is a wrong key", async () => {
  const keys = await derive(1);
  const kcv = keyCheckValue(keys);
  for (const stored of [kcv.subarray(0, 15), new Uint8Array(0), Uint8Array.of(...kcv, 0)]) {
    assert.throws(() => assertKeyCheck(keys, stored), WrongKeyError);
  }
  for (let bit = 0; bit < 128; bit++) {
    const c = kcv.slice();
    c[bit >> 3]! ^= 1 << (bit & 7);
    assert.throws(() => assertKeyCheck(keys, c), WrongKeyError);
  }
});
