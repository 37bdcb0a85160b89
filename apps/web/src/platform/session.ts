/**
 * Who this phone is logged in as, and a fresh account token on demand. The demo login
 * needs no password (a real messenger verifies the phone number first), so an expiring
 * token is simply renewed.
 */
import { type LoginResult, login } from "./api.ts";
import { kvGet, kvSet } from "./idb.ts";

const RENEW_BEFORE_MS = 5 * 60_000;

export class Session {
  #current: LoginResult;
  #renewing: Promise<LoginResult> | undefined;

  private constructor(current: LoginResult) {
    this.#current = current;
  }

  get account(): string {
    return this.#current.account;
  }

  /** Log in as `account` and remember it on this phone. */
  static async start(account: string): Promise<Session> {
    const s = new Session(await login(account));
    await kvSet("account", s.account);
    return s;
  }

  /** The remembered account, logged in again; undefined on a new phone. */
  static async resume(): Promise<Session | undefined> {
    const account = await kvGet<string>("account");
    return account ? Session.start(account) : undefined;
  }

  /** The account token (renewed shortly before it expires). Pass as a token provider. */
  readonly token = async (): Promise<string> => {
    if (Date.now() > this.#current.expiresAt - RENEW_BEFORE_MS) {
      this.#renewing ??= login(this.#current.account).finally(() => (this.#renewing = undefined));
      this.#current = await this.#renewing;
    }
    return this.#current.token;
  };

  /** Realms mode: the token for one realm (renewed with the session's). */
  readonly realmToken = async (realmId: string): Promise<string> => {
    await this.token();
    const t = this.#current.realmTokens?.[realmId];
    if (!t) throw new Error("the server minted no token for this realm");
    return t;
  };

  toString(): string {
    return `Session(${this.account})`;
  }
}
