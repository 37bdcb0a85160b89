import { test } from "node:test";
import assert from "node:assert/strict";
import { Metrics } from "./metrics.ts";

test("metrics: the same label set counts as one series whatever its order; different sets stay apart", () => {
  const m = new Metrics();
  m.inc("vault_http_requests_total", { route: "/v1/login/start", status: "200" });
  m.inc("vault_http_requests_total", { status: "200", route: "/v1/login/start" });
  m.inc("vault_http_requests_total", { route: "/v1/login/start", status: "429" });
  // Names and values that a naive join could confuse: each is its own series.
  m.inc("vault_login_starts_total", { outcome: "a\u0000b" });
  m.inc("vault_login_starts_total", { outcome: "a", b: "" });
  m.inc("vault_login_starts_total", { outcome: "a\u0000b" });
  m.inc("vault_login_starts_total", {});
  const s = m.snapshot();
  assert.deepEqual(s.counters.vault_http_requests_total, {
    '[["route","/v1/login/start"],["status","200"]]': 2,
    '[["route","/v1/login/start"],["status","429"]]': 1,
  });
  assert.deepEqual(s.counters.vault_login_starts_total, { '[["outcome","a\\u0000b"]]': 2, '[["b",""],["outcome","a"]]': 1, "[]": 1 });
});

test("metrics: a histogram counts each observation in every bucket at or above it", () => {
  const m = new Metrics();
  m.observe("vault_http_request_duration_seconds", { route: "/r" }, 0.003);
  m.observe("vault_http_request_duration_seconds", { route: "/r" }, 0.001);
  m.observe("vault_http_request_duration_seconds", { route: "/r" }, 7);
  const h = m.snapshot().histograms.vault_http_request_duration_seconds!['[["route","/r"]]']!;
  assert.deepEqual(h.buckets, [1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
  assert.equal(h.count, 3);
  const text = Metrics.render([m.snapshot()]);
  assert.match(text, /vault_http_request_duration_seconds_bucket\{route="\/r",le="\+Inf"\} 3/);
});
