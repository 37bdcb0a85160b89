/** Attempt history (spec §5.7): strict parsing, fuzzing, the summary people see. */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  ATTEMPT_EVENT_OUTCOMES,
  describeAttemptSummary,
  parseAttemptHistory,
  summarizeAttemptHistory,
  type AttemptEvent,
  type AttemptHistory,
} from "./attempt-history.ts";
import { parseLoginFinishResponse, parseStatusResponse } from "./codecs.ts";
import { VaultProtocolError } from "./errors.ts";

const H = (events: unknown[], o: Record<string, unknown> = {}) => ({ events, retentionDays: 90, maxEvents: 50, ...o });

/** Well-formed histories: newest first, `until` exactly on locks. */
const eventArb = fc.record({
  at: fc.integer({ min: 0, max: 2 ** 48 }),
  outcome: fc.constantFrom(...ATTEMPT_EVENT_OUTCOMES),
  wait: fc.integer({ min: 0, max: 2 ** 30 }),
});
const historyArb = fc.array(eventArb, { maxLength: 50 }).map((es): AttemptHistory => ({
  retentionDays: 90,
  maxEvents: 50,
  events: es
    .sort((a, b) => b.at - a.at)
    .map((e): AttemptEvent => (e.outcome === "locked" ? { at: e.at, outcome: "locked", until: e.at + e.wait } : { at: e.at, outcome: e.outcome })),
}));

test("parseAttemptHistory: parse∘serialize is the identity on well-formed histories", () => {
  fc.assert(
    fc.property(historyArb, (h) => {
      assert.deepEqual(parseAttemptHistory(JSON.parse(JSON.stringify(h))), h);
    }),
    { numRuns: 500 },
  );
});

test("parseAttemptHistory: refuses every malformed history with VaultProtocolError", () => {
  const bad: Array<[string, unknown]> = [
    ["not an object", [1]],
    ["null", null],
    ["events missing", { retentionDays: 90, maxEvents: 50 }],
    ["events not an array", H({} as unknown[])],
    [
      "more events than maxEvents",
      H(
        [
          { at: 1, outcome: "wrong" },
          { at: 1, outcome: "wrong" },
        ],
        { maxEvents: 1 },
      ),
    ],
    ["maxEvents over the parser bound", H([], { maxEvents: 201 })],
    ["maxEvents 0", H([], { maxEvents: 0 })],
    ["retentionDays 0", H([], { retentionDays: 0 })],
    ["retentionDays fractional", H([], { retentionDays: 1.5 })],
    ["unknown outcome", H([{ at: 1, outcome: "failed" }])],
    ["outcome not a string", H([{ at: 1, outcome: 3 }])],
    ["negative time", H([{ at: -1, outcome: "wrong" }])],
    ["time as string", H([{ at: "1", outcome: "wrong" }])],
    ["unsafe integer", H([{ at: 2 ** 53, outcome: "wrong" }])],
    [
      "oldest first",
      H([
        { at: 1, outcome: "wrong" },
        { at: 2, outcome: "wrong" },
      ]),
    ],
    ["lock without until", H([{ at: 1, outcome: "locked" }])],
    ["lock ending before it starts", H([{ at: 5, outcome: "locked", until: 4 }])],
    ["until on a non-lock", H([{ at: 1, outcome: "wrong", until: 3 }])],
    ["event not an object", H([["wrong"]])],
  ];
  for (const [what, x] of bad) assert.throws(() => parseAttemptHistory(x), VaultProtocolError, what);
  fc.assert(
    fc.property(fc.anything(), (x) => {
      try {
        parseAttemptHistory(x);
      } catch (e) {
        assert.ok(e instanceof VaultProtocolError, String(e));
      }
    }),
    { numRuns: 1000 },
  );
  // Mutations of valid histories: whatever the parser accepts is well-formed again.
  fc.assert(
    fc.property(historyArb, fc.nat(), fc.anything(), (h, i, junk) => {
      const j = JSON.parse(JSON.stringify(h)) as { events: Array<Record<string, unknown>> };
      if (j.events.length > 0) {
        const e = j.events[i % j.events.length]!;
        const keys = ["at", "outcome", "until"];
        e[keys[i % 3]!] = junk;
      }
      try {
        const p = parseAttemptHistory(j);
        assert.deepEqual(parseAttemptHistory(JSON.parse(JSON.stringify(p))), p);
      } catch (e) {
        assert.ok(e instanceof VaultProtocolError);
      }
    }),
    { numRuns: 1000 },
  );
});

test("status and login-finish answers: history parsed strictly when present, absent from older vaults", () => {
  const status = {
    state: "enabled",
    recordVersion: 1,
    keyStretching: { algorithm: "argon2id", memoryKiB: 65536, iterations: 3, parallelism: 4 },
    attemptsRemaining: 5,
    failureBudgetRemaining: 20,
    lockedUntil: null,
    destroyedAt: null,
    recentAttempts: [],
    policy: { maxAttempts: 5, failureBudget: 20 },
  };
  assert.equal(parseStatusResponse(status).attemptHistory, undefined, "revision 2 answer");
  assert.deepEqual(
    parseStatusResponse({ ...status, attemptHistory: H([{ at: 2, outcome: "abandoned" }]) }).attemptHistory,
    H([{ at: 2, outcome: "abandoned" }]),
  );
  assert.throws(() => parseStatusResponse({ ...status, attemptHistory: H([{ at: 2, outcome: "nope" }]) }), VaultProtocolError);
  const finish = {
    sessionToken: "v2.AAAAAAAAAAAAAAAA.AAAA",
    sessionExpiresAt: 1,
    recordVersion: 1,
    wrappedRootKey: { nonce: "A".repeat(16), ciphertext: "A".repeat(64) },
  };
  assert.equal(parseLoginFinishResponse(finish).attemptHistory, undefined);
  assert.deepEqual(parseLoginFinishResponse({ ...finish, attemptHistory: H([]) }).attemptHistory, H([]));
  assert.throws(() => parseLoginFinishResponse({ ...finish, attemptHistory: "x" }), VaultProtocolError);
});

test("summary: failures since the last success, locks, and the sentence people read", () => {
  const h = H([
    { at: 900, outcome: "pending" },
    { at: 800, outcome: "locked", until: 4400 },
    { at: 800, outcome: "abandoned" },
    { at: 700, outcome: "abandoned" },
    { at: 600, outcome: "wrong" },
    { at: 500, outcome: "success" },
    { at: 400, outcome: "abandoned" },
  ]) as AttemptHistory;
  const s = summarizeAttemptHistory(h);
  assert.deepEqual(s, { failedAt: [800, 700, 600], lastSuccessAt: 500, locks: [{ at: 800, until: 4400 }], pending: 1, retentionDays: 90 });
  const t = (ms: number) => `t${ms}`;
  assert.equal(
    describeAttemptSummary(s, t),
    "3 failed attempts since the password was last entered correctly (t500) — on t800; t700 and t600. The vault locked attempts once (the latest lock until t4400). 1 more attempt is in progress.",
  );
  assert.equal(
    describeAttemptSummary(s, t, 2),
    "3 failed attempts since the password was last entered correctly (t500) — on t800; t700 and 1 more. The vault locked attempts once (the latest lock until t4400). 1 more attempt is in progress.",
  );
  assert.equal(
    describeAttemptSummary(summarizeAttemptHistory(H([{ at: 9, outcome: "pending" }]) as AttemptHistory), t),
    "No failed attempts in the last 90 days. 1 attempt is in progress.",
  );
  assert.equal(
    describeAttemptSummary(summarizeAttemptHistory(H([{ at: 1, outcome: "abandoned" }]) as AttemptHistory), t),
    "1 failed attempt in the last 90 days — on t1.",
  );
  assert.equal(
    describeAttemptSummary(summarizeAttemptHistory(H([{ at: 5, outcome: "success" }]) as AttemptHistory), t),
    "No failed attempts since the password was last entered correctly (t5).",
  );
  assert.equal(describeAttemptSummary(summarizeAttemptHistory(H([]) as AttemptHistory), t), "No failed attempts in the last 90 days.");
  // Property: the count equals the wrong/abandoned events before the first success.
  fc.assert(
    fc.property(historyArb, (hh) => {
      const first = hh.events.findIndex((e) => e.outcome === "success");
      const before = first < 0 ? hh.events : hh.events.slice(0, first);
      assert.equal(summarizeAttemptHistory(hh).failedAt.length, before.filter((e) => e.outcome === "wrong" || e.outcome === "abandoned").length);
    }),
    { numRuns: 300 },
  );
});

test("vectors: spec/vectors/vault-attempt-history.json (accept with the summary, or refuse)", async () => {
  const { readFile } = await import("node:fs/promises");
  const doc = JSON.parse(await readFile(new URL("../../../spec/vectors/vault-attempt-history.json", import.meta.url), "utf8")) as {
    cases: Array<{ name: string; expected: "valid" | "protocol"; attemptHistory: unknown; summary?: unknown }>;
  };
  assert.ok(doc.cases.length >= 15);
  for (const c of doc.cases) {
    if (c.expected === "protocol") {
      assert.throws(() => parseAttemptHistory(c.attemptHistory), VaultProtocolError, c.name);
      continue;
    }
    const { retentionDays: _r, ...summary } = summarizeAttemptHistory(parseAttemptHistory(c.attemptHistory));
    assert.deepEqual(summary, c.summary, c.name);
  }
});

test("parseAttemptHistory: a JSON -0 time comes back as 0 (canonical: parse∘serialize∘parse = parse)", () => {
  const p = parseAttemptHistory(JSON.parse('{"retentionDays":90,"maxEvents":50,"events":[{"at":-0,"outcome":"pending"}]}'));
  assert.ok(Object.is(p.events[0]!.at, 0));
});
