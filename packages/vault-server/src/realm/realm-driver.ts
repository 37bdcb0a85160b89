/**
 * A realm's endpoints driven by hand (spec/threshold-vault.md §5): one HTTP call per
 * phase, with the account's token, so a test can stop between any two steps or send what
 * no honest client would. Test support (`@chatvault/vault-server/testing`).
 */
import { toBase64Url } from "@chatvault/format";
import { REALM_PATHS, type RegistrationRef } from "./protocol.ts";
import type { Registration, RegistrationInfo } from "./state.ts";

export interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T & { error?: { code: string; attemptsRemaining?: number; retryAfter?: number } };
}

/** One realm as a test sees it: its URL, its ID, a token for the account. */
export class RealmDriver {
  constructor(
    readonly url: string,
    readonly realmId: string,
    readonly token: string,
  ) {}

  static async connect(url: string, token: string): Promise<RealmDriver> {
    const info = (await (await fetch(url + REALM_PATHS.info)).json()) as { realmId: string };
    return new RealmDriver(url, info.realmId, token);
  }

  async call<T = Record<string, unknown>>(method: "GET" | "POST", path: string, body?: unknown): Promise<Answer<T>> {
    const res = await fetch(this.url + path, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Answer<T>["body"] };
  }

  record() {
    return this.call<{ state: string; current: RegistrationInfo | null; next: RegistrationInfo | null; attemptsRemaining: number; lockedUntil: number | null }>(
      "GET",
      REALM_PATHS.record,
    );
  }
  register(registration: Registration) {
    return this.call("POST", REALM_PATHS.register, { registration });
  }
  evaluate(ref: RegistrationRef, blinded: Uint8Array) {
    return this.call<{ attemptId: string; evaluated: string; unlockCheck: string; attemptsRemaining: number; lockedUntil: number | null }>(
      "POST",
      REALM_PATHS.evaluate,
      { ...ref, blinded: toBase64Url(blinded) },
    );
  }
  /** §5.3.1 (chatvault-realm/3): the record view and, when it applies, a counted evaluation. */
  start(ref: RegistrationRef, blinded: Uint8Array) {
    type Evaluation = { attemptId: string; evaluated: string; unlockCheck: string; attemptsRemaining: number; lockedUntil: number | null };
    type Record = { state: string; current: RegistrationInfo | null; next: RegistrationInfo | null; attemptsRemaining: number; lockedUntil: number | null };
    return this.call<{ record: Record; evaluation: Evaluation | null }>("POST", REALM_PATHS.start, { ...ref, blinded: toBase64Url(blinded) });
  }
  proof(attemptId: string) {
    return this.call<{ proof: string }>("POST", REALM_PATHS.proof, { attemptId });
  }
  unlock(attemptId: string, unlockTag: Uint8Array) {
    return this.call<{ wrapShare: string; shareTag: string; wrappedRootKey: string }>("POST", REALM_PATHS.unlock, {
      attemptId,
      unlockTag: toBase64Url(unlockTag),
    });
  }
  head() {
    return this.call<{ sequence: number; digest: string | null; signature: string | null }>("GET", REALM_PATHS.head);
  }
}
