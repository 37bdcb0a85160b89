/**
 * The messenger's own accounts, reduced to what the demo needs: a "login" that mints the
 * account token (an HS256 JWT, `sub` = account) the way a real messenger's server would
 * after verifying the phone number, and the check of that token on every storage request.
 * The key vault verifies the same token with the same secret, so one login serves both.
 */
import { AccountTokenError, createAccountVerifier, mintDevToken } from "@chatvault/vault-server";
import { HttpError } from "./http-error.ts";

/**
 * Accounts the demo accepts: they name a folder on disk (the account's backup), so only
 * letters, digits, `.`, `_`, `-`, starting with a letter or digit, at most 64 characters.
 */
const ACCOUNT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function isDemoAccount(account: unknown): account is string {
  return typeof account === "string" && ACCOUNT.test(account);
}

export interface Accounts {
  /** Mint a token for `account` (the demo login). */
  login(account: unknown): Promise<{ account: string; token: string; expiresAt: number }>;
  /** The account of a request's `Authorization: Bearer` header, or HttpError 401. */
  authenticate(authorization: string | undefined): Promise<string>;
}

export async function createAccounts(o: { tokenSecret: string; tokenTtlSeconds: number }): Promise<Accounts> {
  const verify = await createAccountVerifier({ hs256Secret: o.tokenSecret });
  return {
    async login(account) {
      if (!isDemoAccount(account))
        throw new HttpError(400, "bad_account", "an account is 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit");
      const token = await mintDevToken({ secret: o.tokenSecret, account, ttl: o.tokenTtlSeconds });
      return { account, token, expiresAt: Date.now() + o.tokenTtlSeconds * 1000 };
    },
    async authenticate(authorization) {
      let account: string;
      try {
        account = await verify(authorization);
      } catch (e) {
        if (e instanceof AccountTokenError) throw new HttpError(401, "unauthorized", "missing or invalid account token");
        throw e;
      }
      // Tokens from the vault's own minter may name accounts no folder can hold.
      if (!isDemoAccount(account)) throw new HttpError(403, "forbidden", "this account cannot store backups on this server");
      return account;
    },
  };
}
