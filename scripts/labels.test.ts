/**
 * The label registry (spec/backup-format.md §14) holds: every domain-separation label is
 * defined once, in its trust domain's labels module, and the spec's table lists exactly
 * the labels those modules define, with the same value, domain and module. Code
 * anywhere else in the tree names a label by its constant, never by its string, so a
 * label cannot drift away from the registry unnoticed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import * as formatLabels from "../packages/format/src/labels.ts";
import * as vaultClientLabels from "../packages/vault-protocol/src/labels.ts";
import * as vaultServerLabels from "../packages/vault-server/src/labels.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const SPEC = "spec/backup-format.md";
/** One labels module per trust domain (spec/backup-format.md §14). */
const MODULES: Record<string, { path: string; exports: Record<string, unknown> }> = {
  "backup repository": { path: "packages/format/src/labels.ts", exports: formatLabels },
  "vault client": { path: "packages/vault-protocol/src/labels.ts", exports: vaultClientLabels },
  "vault server": { path: "packages/vault-server/src/labels.ts", exports: vaultServerLabels },
};
/** A label value: `chatvault/v<n>/…`. Built from parts so this file holds no label itself. */
const LABEL = new RegExp(["chatvault", "v\\d+", ""].join("\\/"));
const LABEL_TOKEN = new RegExp(LABEL.source + "[A-Za-z0-9/_.-]*", "g");

interface Entry {
  name: string;
  value: string;
  domain: string;
  module: string;
}

/** Every string a labels module exports, directly or as a property of an exported object. */
function moduleEntries(): Entry[] {
  const out: Entry[] = [];
  for (const [domain, m] of Object.entries(MODULES)) {
    for (const [name, v] of Object.entries(m.exports)) {
      if (typeof v === "string") out.push({ name, value: v, domain, module: m.path });
      else if (typeof v === "object" && v !== null) {
        for (const [key, w] of Object.entries(v)) {
          assert.equal(typeof w, "string", `${m.path}: ${name}.${key} is not a string`);
          out.push({ name: `${name}.${key}`, value: w as string, domain, module: m.path });
        }
      } else assert.fail(`${m.path} exports ${name}, which is neither a label nor a group of labels`);
    }
  }
  return out;
}

/** The rows of the §14 table: | `name` | `value` | domain | `module` | keys or binds |. */
function specEntries(): Entry[] {
  const text = readFileSync(join(ROOT, SPEC), "utf8");
  const start = text.indexOf("\n## 14. Label registry\n");
  assert.ok(start >= 0, `${SPEC} has no "## 14. Label registry"`);
  const next = text.indexOf("\n## ", start + 1);
  const section = text.slice(start, next < 0 ? undefined : next);
  const code = (cell: string, what: string) => {
    const m = /^`([^`]+)`$/.exec(cell);
    assert.ok(m, `${SPEC} §14: ${what} ${JSON.stringify(cell)} is not one code span`);
    return m[1]!;
  };
  const rows = section.split("\n").filter((l) => l.startsWith("| `"));
  return rows.map((row) => {
    const cells = row
      .split("|")
      .slice(1, -1)
      .map((c) => c.trim());
    assert.equal(cells.length, 5, `${SPEC} §14: a row with ${cells.length} cells: ${row}`);
    assert.ok(cells[4]!.length > 0, `${SPEC} §14: ${cells[0]} says nothing about what it keys`);
    return { name: code(cells[0]!, "name"), value: code(cells[1]!, "value"), domain: cells[2]!, module: code(cells[3]!, "module") };
  });
}

const key = (e: Entry) => `${e.name} = ${e.value} (${e.domain}, ${e.module})`;

test("every label is defined once, and is a versioned chatvault label", () => {
  const entries = moduleEntries();
  assert.ok(entries.length > 30, `only ${entries.length} labels found: is a module missing?`);
  for (const e of entries) assert.match(e.value, new RegExp("^" + LABEL.source), `${e.module}: ${e.name}`);
  const seen = new Map<string, string>();
  for (const e of entries) {
    assert.equal(seen.get(e.value), undefined, `${e.value} is defined twice: ${seen.get(e.value)} and ${e.name}`);
    seen.set(e.value, e.name);
  }
});

test("spec/backup-format.md §14 lists exactly the labels the modules define (name, value, domain, module)", () => {
  const spec = specEntries().map(key).sort();
  const code = moduleEntries().map(key).sort();
  assert.deepEqual(spec, code);
});

test("one labels module per trust domain: the spec's domains are the modules'", () => {
  const pairs = new Set(specEntries().map((e) => `${e.domain} → ${e.module}`));
  assert.deepEqual(
    [...pairs].sort(),
    Object.entries(MODULES)
      .map(([d, m]) => `${d} → ${m.path}`)
      .sort(),
  );
});

const CODE = /\.(ts|tsx|mts|cts|js|mjs|cjs|html|vue|svelte)$/;
const SKIP = new Set(["node_modules", "dist", ".git", "test-results", "work", "results", "api"]);
function codeFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) codeFiles(p, out);
    else if (CODE.test(name)) out.push(relative(ROOT, p));
  }
  return out;
}

test("no label string in code outside the three labels modules (comments too: name the constant)", () => {
  const allowed = new Set(Object.values(MODULES).map((m) => m.path));
  const files = ["packages", "apps", "scripts", "bench"].flatMap((d) => codeFiles(join(ROOT, d)));
  assert.ok(files.length > 100, `only ${files.length} code files found`);
  const offenders: string[] = [];
  for (const f of files) {
    if (allowed.has(f)) continue;
    readFileSync(join(ROOT, f), "utf8")
      .split("\n")
      .forEach((line, i) => {
        if (LABEL.test(line)) offenders.push(`${f}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(offenders, []);
});

test("every label the specs and docs mention is in the registry", () => {
  const values = moduleEntries().map((e) => e.value);
  const docs = ["spec", "docs"].flatMap((d) =>
    readdirSync(join(ROOT, d))
      .filter((n) => n.endsWith(".md"))
      .map((n) => `${d}/${n}`),
  );
  const unknown: string[] = [];
  for (const f of [...docs, "README.md", "SECURITY.md"]) {
    for (const m of readFileSync(join(ROOT, f), "utf8").matchAll(LABEL_TOKEN)) {
      // A mention is a label, or the start of some (a "…/realm/…" family, a "v1/*" wildcard).
      const t = m[0].replace(/[.]+$/, "");
      if (!values.some((v) => v === t || v.startsWith(t.endsWith("/") ? t : t + "/"))) unknown.push(`${f}: ${t}`);
    }
  }
  assert.deepEqual(unknown, []);
});
