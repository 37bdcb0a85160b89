/**
 * Phase 1 (spec/threshold-vault.md §6.2): read `/info` and `/record` at every realm in
 * parallel, check each realm's ID, and report what each answered. With a start plan
 * (§6.2.1), the planned chatvault-realm/3 realms get `recover/start` instead of `/record`: the
 * same record view and, when the guessed registration is their current one, its evaluation.
 */
import { speaksV3 } from "./codecs.ts";
import { toBase64Url } from "@chatvault/format";
import type { ThresholdContext } from "./context.ts";
import type { EarlyGuess } from "./early-guess.ts";
import { RealmProtocolError, RealmRequestError, RealmUnreachableError, type RealmReport } from "./errors.ts";
import type { RealmConfig } from "./realm-set.ts";
import type { RealmApi } from "./transport.ts";
import type { EvaluateResponse, RealmRecordResponse } from "./wire.ts";

export interface RealmView {
  /** 1-based position = share index. */
  index: number;
  config: RealmConfig;
  api: RealmApi;
  report: RealmReport;
  record: RealmRecordResponse | null;
  /** §6.2.1: the evaluation `recover/start` returned (counted at the realm) and the blinded element it was for. */
  started?: { blinded: string; evaluation: EvaluateResponse };
}

/** §6.2.1: which realms get `recover/start`, and the guess they get it for. */
export interface StartPlan {
  /** 0-based positions. */
  at: ReadonlySet<number>;
  guess: EarlyGuess;
}

/** Fill a report from a failure of a realm call. */
export function noteFailure(report: RealmReport, e: unknown): void {
  if (e instanceof RealmUnreachableError) {
    report.status = "unreachable";
    const code = (e as { realmCode?: string }).realmCode;
    if (code) report.code = code;
  } else if (e instanceof RealmRequestError) {
    report.code = e.realmCode;
    report.status = e.realmCode === "locked" ? "locked" : e.realmCode === "destroyed" ? "destroyed" : e.realmCode === "not_enabled" ? "not_enabled" : "refused";
    if (e.realmCode === "locked" && e.retryAfterMs !== undefined) report.lockedUntil = e.retryAfterMs;
  } else if (e instanceof RealmProtocolError) {
    report.status = "misbehaved";
    report.reason = "bad_answer";
  } else {
    report.status = "unreachable";
  }
}

export async function survey(ctx: ThresholdContext, plan?: StartPlan): Promise<RealmView[]> {
  return Promise.all(
    ctx.realmSet.realms.map(async (config, k) => {
      const api = ctx.apis[k]!;
      const view: RealmView = { index: k + 1, config, api, report: { id: config.id, url: config.url, status: "ok" }, record: null };
      try {
        // /info first: the account token is sent only to a realm that proved to be the configured one (§2.2) —
        // to this context already (the same API object, so the same URL), or now.
        if (!ctx.provenRealms.has(k)) {
          const info = await api.info();
          if (info.realmId !== config.id) {
            view.report.status = "wrong_realm";
            return view;
          }
          ctx.provenRealms.add(k);
          if (speaksV3(info)) ctx.v3Realms.add(k);
          else ctx.v3Realms.delete(k);
        }
        let record: RealmRecordResponse | undefined;
        if (plan?.at.has(k) && ctx.v3Realms.has(k) && api.start) {
          const g = await plan.guess.ready();
          if (g) {
            const blinded = toBase64Url(g.blinded);
            const p = plan.guess.params;
            try {
              const a = await api.start({ version: p.version, registrationId: p.registrationId, blinded });
              record = a.record;
              if (a.evaluation) view.started = { blinded, evaluation: a.evaluation };
            } catch (e) {
              // Listed v3 but the path is not served (e.g. a proxy in front of it): read it as a v2 realm.
              if (!(e instanceof RealmRequestError && e.realmCode === "not_found")) throw e;
              ctx.v3Realms.delete(k);
            }
          }
        }
        record ??= await api.record();
        view.record = record;
        view.report.attemptsRemaining = record.attemptsRemaining;
        view.report.lockedUntil = record.lockedUntil;
        if (record.state === "destroyed") view.report.status = "destroyed";
        else if (record.state === "none") view.report.status = "not_enabled";
      } catch (e) {
        ctx.provenRealms.delete(k); // unreachable or failing: it proves its ID again next time
        ctx.v3Realms.delete(k);
        noteFailure(view.report, e);
      }
      return view;
    }),
  );
}

/** The t-th largest of the values (missing = 0). */
export function tthLargest(values: number[], t: number): number {
  const s = [...values].sort((a, b) => b - a);
  return s[t - 1] ?? 0;
}
