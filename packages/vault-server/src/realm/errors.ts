/**
 * The realm's HTTP error (spec/threshold-vault.md §5.8): a stable code from the wire
 * contract, its status, a fixed message (never an echo of the request) and the fields a
 * client acts on (attemptsRemaining, retryAfter, current head).
 */
import { REALM_ERROR_STATUS, type RealmErrorCode, type RealmHead } from "./protocol.ts";

export interface RealmErrorExtra {
  attemptsRemaining?: number;
  retryAfter?: number;
  current?: RealmHead;
}

export class RealmHttpError extends Error {
  readonly status: number;
  retryAfterSeconds: number | undefined;
  constructor(
    readonly code: RealmErrorCode,
    message: string,
    readonly extra: RealmErrorExtra = {},
  ) {
    super(message);
    this.name = "RealmHttpError";
    this.status = REALM_ERROR_STATUS[code];
  }

  retryAt(time: number, now: number): this {
    this.retryAfterSeconds = Math.max(0, Math.ceil((time - now) / 1000));
    return this;
  }

  body(): { error: { code: string; message: string } & RealmErrorExtra } {
    return { error: { code: this.code, message: this.message, ...this.extra } };
  }
}

export const realmErrors = {
  notEnabled: () => new RealmHttpError("not_enabled", "no registration for this account at this realm"),
  destroyed: () => new RealmHttpError("destroyed", "the account's shares at this realm were destroyed after too many wrong passwords"),
  locked: (retryAfter: number, now: number) =>
    new RealmHttpError("locked", "too many wrong passwords; try again later", { retryAfter, attemptsRemaining: 0 }).retryAt(retryAfter, now),
  versionMismatch: () => new RealmHttpError("version_mismatch", "this realm does not hold that registration"),
  badRequest: (message: string) => new RealmHttpError("bad_request", message),
};
