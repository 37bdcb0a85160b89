/**
 * Attempt history (spec/vault-protocol.md §5.7): the recent password attempts on one vault
 * record, as the vault reports them in its status and unlock answers, its strict parser,
 * and the one summary every front end shows ("3 failed attempts since …").
 *
 * The shape is self-contained — a list of `{at, outcome, until?}` with the bounds the
 * vault applied — so a threshold realm reports its own history in the same shape and the
 * client summarises each realm's separately (DESIGN §4b: each realm counts on its own).
 */
import { VaultProtocolError } from "./errors.ts";

/**
 * - `pending`: a KE2 was released and may still be finished.
 * - `success`: a KE3 verified (the password was right).
 * - `wrong`: a KE3 arrived and did not verify.
 * - `abandoned`: a KE2 was released and no KE3 came before it expired. A wrong password
 *   typed into a chatvault client ends like this (the client sees from KE2 alone that the
 *   password is wrong and sends nothing), and so does every guess of an attacker.
 * - `locked`: the attempt just before it started a lock; `until` says until when.
 */
export type AttemptEventOutcome = "pending" | "success" | "wrong" | "abandoned" | "locked";
export const ATTEMPT_EVENT_OUTCOMES: readonly AttemptEventOutcome[] = ["pending", "success", "wrong", "abandoned", "locked"];

export interface AttemptEvent {
  /** When the attempt was counted (vault clock, ms since the epoch). */
  at: number;
  outcome: AttemptEventOutcome;
  /** Only for `locked`: the time the next attempt is allowed. */
  until?: number;
}

export interface AttemptHistory {
  /** Newest first; at most `maxEvents`, none older than `retentionDays`. */
  events: AttemptEvent[];
  /** How long the vault keeps attempts (spec §5.7: 90). */
  retentionDays: number;
  /** How many events it reports at most (spec §5.7: 50). */
  maxEvents: number;
}

/** The bounds of spec §5.7; a parser refuses a history longer than `parseMaxEvents`. */
export const ATTEMPT_HISTORY_LIMITS = { retentionDays: 90, maxEvents: 50, parseMaxEvents: 200 } as const;

type Obj = Record<string, unknown>;
const fail = (what: string): never => {
  throw new VaultProtocolError(`malformed vault response: attemptHistory.${what}`);
};
const isObj = (x: unknown): x is Obj => x !== null && typeof x === "object" && !Array.isArray(x);
// `+ 0` turns a JSON `-0` into 0, so what the parser returns is canonical (it re-parses to itself).
const time = (v: unknown, what: string): number => (typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? v + 0 : fail(what));

/**
 * Strict parser of an `attemptHistory` answer field: every event well-formed, known
 * outcomes only, `until` exactly on `locked` events and not before `at`, newest first, no
 * more events than the answer says it keeps (and never more than `parseMaxEvents`).
 * Unknown fields are ignored (compatible revisions may add some). Throws
 * `VaultProtocolError` (code `protocol`).
 */
export function parseAttemptHistory(x: unknown): AttemptHistory {
  if (!isObj(x)) fail("body");
  const o = x as Obj;
  const retentionDays = time(o.retentionDays, "retentionDays");
  const maxEvents = time(o.maxEvents, "maxEvents");
  if (retentionDays < 1 || maxEvents < 1 || maxEvents > ATTEMPT_HISTORY_LIMITS.parseMaxEvents) fail("bounds");
  if (!Array.isArray(o.events) || o.events.length > maxEvents) fail("events");
  const events: AttemptEvent[] = [];
  for (const e of o.events as unknown[]) {
    if (!isObj(e)) fail("event");
    const ev = e as Obj;
    const at = time(ev.at, "at");
    const outcome = ev.outcome;
    if (typeof outcome !== "string" || !(ATTEMPT_EVENT_OUTCOMES as readonly string[]).includes(outcome)) fail("outcome");
    const prev = events[events.length - 1];
    if (prev && prev.at < at) fail("order");
    if (outcome === "locked") {
      const until = time(ev.until, "until");
      if (until < at) fail("until");
      events.push({ at, outcome, until });
    } else {
      if (ev.until !== undefined) fail("until");
      events.push({ at, outcome: outcome as AttemptEventOutcome });
    }
  }
  return { events, retentionDays, maxEvents };
}

export interface AttemptHistorySummary {
  /** Wrong and abandoned attempts since the last success, newest first (their times). */
  failedAt: number[];
  /** The last success the history shows, or null: none within the kept history. */
  lastSuccessAt: number | null;
  /** Locks started since the last success, newest first. */
  locks: Array<{ at: number; until: number }>;
  /** Attempts still open (a KE2 released, not yet finished or expired). */
  pending: number;
  retentionDays: number;
}

/**
 * What the user should see: the failures since the password last worked. In an unlock
 * answer the vault leaves out the login being answered (spec §5.7), so "the last
 * success" is the one before it.
 */
export function summarizeAttemptHistory(h: AttemptHistory): AttemptHistorySummary {
  const s: AttemptHistorySummary = { failedAt: [], lastSuccessAt: null, locks: [], pending: 0, retentionDays: h.retentionDays };
  for (const e of h.events) {
    if (e.outcome === "success") {
      s.lastSuccessAt = e.at;
      break;
    }
    if (e.outcome === "wrong" || e.outcome === "abandoned") s.failedAt.push(e.at);
    else if (e.outcome === "locked") s.locks.push({ at: e.at, until: e.until ?? e.at });
    else s.pending++;
  }
  return s;
}

/**
 * One line for people: "3 failed attempts since the password was last entered correctly
 * (1 Dec, 09:12) — on 1 Dec, 10:02; 1 Dec, 10:03 and 1 Dec, 10:05". `formatTime` renders
 * a vault time (front ends pass their own local format). Lists at most `show` times.
 */
export function describeAttemptSummary(s: AttemptHistorySummary, formatTime: (ms: number) => string, show = 3): string {
  const since =
    s.lastSuccessAt === null ? `in the last ${s.retentionDays} days` : `since the password was last entered correctly (${formatTime(s.lastSuccessAt)})`;
  const n = s.failedAt.length;
  if (n === 0) return `No failed attempts ${since}.${s.pending === 0 ? "" : ` ${s.pending === 1 ? "1 attempt is" : `${s.pending} attempts are`} in progress.`}`;
  const shown = s.failedAt.slice(0, show).map(formatTime);
  const rest = n - shown.length;
  const list =
    rest > 0 ? `${shown.join("; ")} and ${rest} more` : shown.length > 1 ? `${shown.slice(0, -1).join("; ")} and ${shown.slice(-1).join("")}` : shown.join("");
  const locks =
    s.locks.length === 0
      ? ""
      : ` The vault locked attempts ${s.locks.length === 1 ? "once" : `${s.locks.length} times`} (the latest lock until ${formatTime(s.locks[0]!.until)}).`;
  const open = s.pending === 0 ? "" : ` ${s.pending === 1 ? "1 more attempt is" : `${s.pending} more attempts are`} in progress.`;
  return `${n} failed ${n === 1 ? "attempt" : "attempts"} ${since} — on ${list}.${locks}${open}`;
}
