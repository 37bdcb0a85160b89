import { test } from "node:test";
import assert from "node:assert/strict";
import { assessPassword } from "./password-strength.ts";

test("guessable passwords are refused with a reason; passphrases pass", () => {
  const short = assessPassword("Ab1!");
  assert.equal(short.acceptable, false);
  assert.match(short.summary, /too short/);
  const common = assessPassword("password1");
  assert.equal(common.acceptable, false);
  assert.match(common.summary, /^very weak — this is a commonly used password/);
  const good = assessPassword("tangerine orbit quietly 93");
  assert.equal(good.acceptable, true);
  assert.ok(good.score >= 3);
  assert.match(good.summary, /offline guessing would take/);
});
