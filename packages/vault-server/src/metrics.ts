/**
 * A small Prometheus registry (text format 0.0.4), spec/vault-protocol.md §9.2.
 * Counters and histograms only; snapshots are plain JSON so a cluster primary can sum
 * its workers' numbers into one `/metrics` answer.
 */

type Labels = Record<string, string>;
interface HistogramValue {
  buckets: number[];
  sum: number;
  count: number;
}
export interface MetricsSnapshot {
  counters: Record<string, Record<string, number>>;
  histograms: Record<string, Record<string, HistogramValue>>;
}

interface Def {
  help: string;
  type: "counter" | "histogram";
  buckets?: number[];
}

export const METRIC_DEFS: Record<string, Def> = {
  vault_http_requests_total: { help: "HTTP requests by route and status.", type: "counter" },
  vault_login_starts_total: { help: "Login starts by outcome (released = a KE2 left, for a record or an unknown account).", type: "counter" },
  vault_record_integrity_failures_total: { help: "Requests refused because a record row failed its integrity check.", type: "counter" },
  vault_login_finishes_total: { help: "Login finishes by outcome.", type: "counter" },
  vault_records_written_total: { help: "Vault records written by operation.", type: "counter" },
  vault_records_destroyed_total: { help: "Vault records destroyed after the failure budget ran out.", type: "counter" },
  realm_evaluations_total: { help: "Realm phase-2 requests by outcome (released = a counted attempt whose evaluation left).", type: "counter" },
  realm_unlocks_total: { help: "Realm phase-3 requests by outcome.", type: "counter" },
  realm_accounts_destroyed_total: { help: "Realm accounts whose shares were destroyed after the failure budget ran out.", type: "counter" },
  vault_http_request_duration_seconds: {
    help: "HTTP request duration by route.",
    type: "histogram",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  },
};

// Label names are Prometheus names in lower snake case (route, status, outcome, operation), for
// which code-unit order is the order localeCompare gave; localeCompare (ICU collation) was
// most of this function's cost, three times per request.
const keyOf = (l: Labels) => JSON.stringify(Object.entries(l).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * The keys of the label sets seen so far, by their names and values as given: a request
 * makes three label objects of a handful of fixed sets (route × status, outcome), so the
 * entries, the sort and the JSON are built once per set, not three times per request.
 * The memo key joins names and values with U+0000, which a label may contain: a label
 * with it is keyed uncached. Bounded: past `KEY_MEMO_MAX` sets, keys are built uncached.
 */
const KEY_MEMO_MAX = 1024;
const keyMemo = new Map<string, string>();
function key(l: Labels): string {
  let memo = "";
  for (const name of Object.keys(l)) {
    const v = l[name]!;
    if (name.includes("\u0000") || v.includes("\u0000")) return keyOf(l);
    memo += `${name}\u0000${v}\u0000`;
  }
  let k = keyMemo.get(memo);
  if (k === undefined) {
    k = keyOf(l);
    if (keyMemo.size < KEY_MEMO_MAX) keyMemo.set(memo, k);
  }
  return k;
}

export class Metrics {
  readonly #s: MetricsSnapshot = { counters: {}, histograms: {} };

  inc(name: string, labels: Labels = {}, by = 1): void {
    const m = (this.#s.counters[name] ??= {});
    const k = key(labels);
    m[k] = (m[k] ?? 0) + by;
  }

  observe(name: string, labels: Labels, value: number): void {
    const buckets = METRIC_DEFS[name]?.buckets ?? [];
    const m = (this.#s.histograms[name] ??= {});
    const h = (m[key(labels)] ??= { buckets: buckets.map(() => 0), sum: 0, count: 0 });
    for (let i = 0; i < buckets.length; i++) if (value <= buckets[i]!) h.buckets[i]! += 1;
    h.sum += value;
    h.count += 1;
  }

  snapshot(): MetricsSnapshot {
    return structuredClone(this.#s);
  }

  /** Render one or more snapshots (summed) as Prometheus text. */
  static render(snapshots: MetricsSnapshot[]): string {
    const sum: MetricsSnapshot = { counters: {}, histograms: {} };
    for (const s of snapshots) {
      for (const [n, m] of Object.entries(s.counters))
        for (const [k, v] of Object.entries(m)) {
          const t = (sum.counters[n] ??= {});
          t[k] = (t[k] ?? 0) + v;
        }
      for (const [n, m] of Object.entries(s.histograms))
        for (const [k, v] of Object.entries(m)) {
          const t = (sum.histograms[n] ??= {});
          const h = (t[k] ??= { buckets: v.buckets.map(() => 0), sum: 0, count: 0 });
          v.buckets.forEach((b, i) => (h.buckets[i]! += b));
          h.sum += v.sum;
          h.count += v.count;
        }
    }
    const out: string[] = [];
    for (const [name, def] of Object.entries(METRIC_DEFS)) {
      out.push(`# HELP ${name} ${def.help}`, `# TYPE ${name} ${def.type}`);
      if (def.type === "counter") {
        for (const [k, v] of Object.entries(sum.counters[name] ?? {})) out.push(`${name}${fmt(k)} ${v}`);
      } else {
        for (const [k, h] of Object.entries(sum.histograms[name] ?? {})) {
          (def.buckets ?? []).forEach((b, i) => out.push(`${name}_bucket${fmt(k, ["le", String(b)])} ${h.buckets[i]}`));
          out.push(`${name}_bucket${fmt(k, ["le", "+Inf"])} ${h.count}`, `${name}_sum${fmt(k)} ${h.sum}`, `${name}_count${fmt(k)} ${h.count}`);
        }
      }
    }
    return out.join("\n") + "\n";
  }
}

function fmt(k: string, extra?: [string, string]): string {
  const pairs = (JSON.parse(k) as Array<[string, string]>).concat(extra ? [extra] : []);
  if (pairs.length === 0) return "";
  return `{${pairs.map(([a, b]) => `${a}="${b.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`).join(",")}}`;
}
