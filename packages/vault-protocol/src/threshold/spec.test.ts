/**
 * spec/threshold-vault.md and the code agree on what both sides rely on: every label, every
 * realm error code with its HTTP status, every endpoint path and every fixed field size.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { REALM_LABELS } from "../labels.ts";
import { REALM_ERROR_STATUS, REALM_FIELD_BYTES, REALM_PATHS } from "./wire.ts";

const spec = readFileSync(new URL("../../../../spec/threshold-vault.md", import.meta.url), "utf8");

test("the spec lists every label, error code (with status), path and field size the code uses", () => {
  for (const label of Object.values(REALM_LABELS)) assert.ok(spec.includes(`\`${label}`), `label ${label} missing from the spec`);
  for (const [code, status] of Object.entries(REALM_ERROR_STATUS)) {
    assert.ok(new RegExp(`\\| \`${code}\` \\| ${status} \\|`).test(spec), `error ${code} (${status}) missing from the spec's table`);
  }
  for (const path of Object.values(REALM_PATHS)) assert.ok(spec.includes(path), `path ${path} missing`);
  for (const [field, bytes] of Object.entries(REALM_FIELD_BYTES)) {
    const row = spec.split("\n").find((l) => l.startsWith("|") && new RegExp(`\\b${field}\\b`).test(l) && /\| \d/.test(l));
    assert.ok(row, `field ${field} has no size row`);
    assert.ok(row.includes(`| ${bytes} |`), `field ${field}: spec row "${row}" does not say ${bytes} bytes`);
  }
});
