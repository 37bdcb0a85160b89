/**
 * Comments, test titles, messages and docs cite what is in this tree — a spec section
 * (spec/*.md §n), SECURITY.md, docs/*.md or a README section — never an issue tracker
 * number or a document that is not in the repository. A reader of the tree cannot follow
 * such a citation, so this check fails, naming file:line, when one comes back in any
 * tracked text file.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname;

/**
 * What counts as a citation of something outside the tree. A bare `#` and digits is not
 * one (a spec anchor, "snapshot #2", PKCS#11, a CSS colour); it is when it reads as a
 * tracker reference ("see #12", "(#12)").
 */
const ISSUE = "[Ii]ssues?";
const PATTERNS: { what: string; re: RegExp }[] = [
  { what: "an issue number", re: new RegExp(`\\b${ISSUE}\\s*#?\\d+`) },
  { what: "an issue's property", re: new RegExp(`\\b${ISSUE}(?:'s)? propert(?:y|ies)\\b`) },
  { what: "the issue (a document not in the tree)", re: new RegExp(`\\(${ISSUE}\\b|\\bthe ${ISSUE}(?:'s)?\\b`) },
  { what: "a tracker reference", re: new RegExp(`\\((?:#\\d+(?:, *#\\d+)*)\\)|\\b(?:[Ff]ixe[sd]|[Cc]lose[sd]|[Ss]ee|[Pp]er) #\\d+\\b`) },
  { what: "a design document not in the tree", re: /DESIGN\.md|[Dd]esign brief|\bBRIEF\b/ },
];

/**
 * Not scanned: the lock file (package metadata, not ours) and this file, whose examples
 * of what must be caught are the citations themselves. Binary fixtures are skipped below.
 */
const SKIP = new Set(["package-lock.json", "scripts/citations.test.ts"]);

function offending(text: string): string | undefined {
  return PATTERNS.find((p) => p.re.test(text))?.what;
}

test("the citation patterns catch tracker and brief references and nothing else", () => {
  for (const bad of [
    "(issue #13)",
    "issue 5 asks",
    "Issues #2, #3",
    "the issue's property 1",
    "issue property 6",
    "waits read like the issue: minutes",
    "fixes #12",
    "see #7",
    "(#4)",
    "DESIGN.md §5",
    "the design brief",
    "(BRIEF: head proof)",
  ]) {
    assert.ok(offending(bad), `not caught: ${bad}`);
  }
  for (const good of [
    "spec/backup-format.md §8.7",
    "a PKCS#11 token",
    "snapshot #2",
    'fill="#888"',
    "please do not open a public issue",
    "u64be(issuedAt)",
    "Brief fuzzing of every parser",
    "(§6.6)",
  ]) {
    assert.equal(offending(good), undefined, `wrongly caught: ${good}`);
  }
});

test("no tracked code or doc cites an issue number or a document outside the tree", () => {
  const files = execFileSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" }).split("\0").filter(Boolean);
  assert.ok(files.length > 100, `git ls-files listed only ${files.length} files`);
  const found: string[] = [];
  for (const file of files) {
    if (SKIP.has(file)) continue;
    let text: string;
    try {
      text = readFileSync(join(ROOT, file), "utf8");
    } catch {
      continue; // tracked but deleted in this checkout
    }
    if (text.includes("\0")) continue; // binary (test fixtures)
    text.split("\n").forEach((line, i) => {
      const what = offending(line);
      if (what) found.push(`${file}:${i + 1}: ${what}: ${line.trim().slice(0, 120)}`);
    });
  }
  assert.deepEqual(found, [], `cite the spec, SECURITY.md or docs instead:\n${found.join("\n")}`);
});
