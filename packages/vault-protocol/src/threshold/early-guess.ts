/**
 * The blinded guess of one registration (spec/threshold-vault.md §3.1, §3.2, §6.3): S, I and
 * VOPRF-Blind(I); and its early start. A context that unlocked before remembers that
 * registration's public parameters (version, registrationId, salt, KSF: what `/record`
 * answers anyone holding the account token), so its next unlock stretches and blinds while
 * phase 1's requests are in flight. Nothing is sent before phase 1 chose the registration
 * (§6.2 is unchanged); when it chose another one, the early guess is dropped.
 */
import { utf8 } from "@chatvault/format";
import { fieldBytes } from "./codecs.ts";
import type { ThresholdContext } from "./context.ts";
import { oprfInput, voprf } from "./derive.ts";
import { stretchPassword } from "./ksf.ts";
import type { RealmKsf } from "./wire.ts";

/** What a guess depends on besides the password and the account. */
export interface GuessParams {
  version: number;
  registrationId: string;
  salt: string;
  ksf: RealmKsf;
}

export interface PreparedGuess {
  input: Uint8Array;
  blind: Uint8Array;
  blinded: Uint8Array;
}

function sameParams(a: GuessParams, b: GuessParams): boolean {
  return (
    a.version === b.version &&
    a.registrationId === b.registrationId &&
    a.salt === b.salt &&
    a.ksf.memoryKiB === b.ksf.memoryKiB &&
    a.ksf.iterations === b.ksf.iterations &&
    a.ksf.parallelism === b.ksf.parallelism
  );
}

/** S = Argon2id(NFC(P), salt, KSF), I (§3.2), and one VOPRF-Blind(I) with the context's randomness. */
export async function prepareGuess(ctx: ThresholdContext, p: GuessParams, password: string): Promise<PreparedGuess> {
  const stretched = await stretchPassword(utf8(password.normalize("NFC")), fieldBytes(p.salt, "salt"), { algorithm: "argon2id", ...p.ksf }, ctx.argon2);
  const input = oprfInput(ctx.accountId, stretched);
  const { blind, blinded } = voprf.blind(input, (len?: number) => ctx.random(len ?? 32) as Uint8Array<ArrayBuffer>);
  return { input, blind, blinded };
}

export interface EarlyGuess {
  /** The registration it is for (the context's last unlocked one). */
  readonly params: GuessParams;
  /** The early guess if it is for `p` and already under way (else null: compute it now). Call once. */
  take(p: GuessParams): Promise<PreparedGuess | null>;
  /**
   * The guess itself, for `recover/start` (§6.2.1): starts it now if the timer has not fired yet;
   * null when dropped or when computing it failed.
   */
  ready(): Promise<PreparedGuess | null>;
  /** Not needed after all (no candidate, an error): not started if it has not started yet. */
  drop(): void;
}

/**
 * Starts the guess for the context's last unlocked registration after the current task, so the
 * requests already issued (phase 1) leave first; `undefined` when the context has none.
 */
export function startEarlyGuess(ctx: ThresholdContext, password: string): EarlyGuess | undefined {
  const last = ctx.lastUnlocked;
  if (!last) return undefined;
  let state: "waiting" | "cancelled" | "started" = "waiting";
  let result: Promise<PreparedGuess | null> = Promise.resolve(null);
  const begin = () => {
    if (state !== "waiting") return;
    clearTimeout(timer);
    state = "started";
    result = prepareGuess(ctx, last, password).catch(() => null); // a failure here is met again by the direct computation
  };
  const timer = setTimeout(begin, 0);
  const drop = () => {
    if (state === "waiting") clearTimeout(timer);
    state = "cancelled";
  };
  return {
    params: last,
    take(p) {
      if (state === "started" && sameParams(p, last)) return result;
      drop();
      return Promise.resolve(null);
    },
    ready() {
      begin();
      return state === "started" ? result : Promise.resolve(null);
    },
    drop,
  };
}
