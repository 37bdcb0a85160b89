import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ExcludePatternError, ExcludeRules } from "./exclude.ts";

const table: [pattern: string, path: string, excluded: boolean][] = [
  ["*.mp4", "a.mp4", true],
  ["*.mp4", "Video/Sent/a.mp4", true],
  ["*.mp4", "a.mp4.jpg", false],
  ["*.mp4", "a.MP4", false], // case-sensitive
  ["cache", "cache/x.jpg", true],
  ["cache", "a/cache/b/x.jpg", true],
  ["cache", "cached/x.jpg", false],
  ["?.jpg", "a.jpg", true],
  ["?.jpg", "ab.jpg", false],
  ["Video/**", "Video/a.mp4", true],
  ["Video/**", "Video/Sent/a.mp4", true],
  ["Video/**", "Images/Video/a.mp4", false],
  ["/tmp", "tmp/a", true],
  ["/tmp", "x/tmp/a", false],
  ["Sent/*.mp4", "Sent/a.mp4", true],
  ["Sent/*.mp4", "Sent/b/a.mp4", false],
  ["**/Sent/*.mp4", "x/y/Sent/a.mp4", true],
  ["**/Sent/*.mp4", "Sent/a.mp4", true],
  ["a/**/b", "a/b", true],
  ["a/**/b", "a/x/y/b/c.jpg", true],
  ["Video/", "Video/a.mp4", true],
  ["a+b(1).jpg", "a+b(1).jpg", true],
  ["a+b(1).jpg", "aab(1).jpg", false],
  ["\\*.jpg", "*.jpg", true],
  ["\\*.jpg", "x.jpg", false],
  ["*", "anything/at/all", true],
];

test("exclude patterns: the documented rules, case by case", () => {
  for (const [pattern, path, excluded] of table) {
    assert.equal(new ExcludeRules([pattern]).excludes(path), excluded, `${pattern} vs ${path}`);
  }
});

test("exclude patterns: the matching pattern is named; no patterns keep everything", () => {
  const r = new ExcludeRules(["*.tmp", "*.mp4"]);
  assert.equal(r.match("Video/a.mp4"), "*.mp4");
  assert.equal(r.match("a.jpg"), undefined);
  assert.equal(new ExcludeRules([]).excludes("a.mp4"), false);
});

test("exclude patterns: unusable patterns are refused with a typed error", () => {
  for (const bad of ["", "/", "a\\", "x\0y", "a".repeat(1025)]) {
    assert.throws(() => new ExcludeRules([bad]), ExcludePatternError, JSON.stringify(bad).slice(0, 20));
  }
});

test("exclude patterns: any string compiles or is refused with ExcludePatternError, and matching never throws", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), fc.array(fc.stringMatching(/^[a-z.*?]{1,6}$/), { minLength: 1, maxLength: 4 }), (pattern, segs) => {
      let r: ExcludeRules;
      try {
        r = new ExcludeRules([pattern]);
      } catch (e) {
        assert.ok(e instanceof ExcludePatternError);
        return;
      }
      assert.equal(typeof r.excludes(segs.join("/")), "boolean");
    }),
  );
});

test("exclude patterns: a literal name (no wildcards) matches exactly itself as a file name", () => {
  fc.assert(
    fc.property(fc.stringMatching(/^[A-Za-z0-9 ._+()-]{1,20}$/), fc.stringMatching(/^[A-Za-z0-9 ._+()-]{1,20}$/), (name, other) => {
      const r = new ExcludeRules([name]);
      assert.equal(r.excludes(`dir/${name}`), true);
      assert.equal(r.excludes(`dir/${other}`), other === name);
    }),
  );
});
