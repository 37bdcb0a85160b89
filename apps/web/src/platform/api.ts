/**
 * The messenger server's own endpoints: the app configuration and the demo login that
 * mints the account token (docs/web.md). The token goes to the storage API and the vault,
 * never into a log or the page's URL.
 */
export interface AppConfig {
  /** Path of the key vault on this origin (the server passes it through). */
  vaultPath: string;
  /** The vault's own URL: recorded in a new backup as the hint for other clients (the CLI). */
  vaultUrl: string;
  /** TEST ONLY: register passwords with a cheap KSF (the page shows a banner). */
  testOnlyWeakKeyStretching: boolean;
  /** When set, passwords are held by this realm set instead of the one vault (backup/realm-vault.ts). */
  realms?: { threshold: number; realms: { id: string; url: string; path: string }[] };
}

export interface LoginResult {
  account: string;
  token: string;
  expiresAt: number;
  /** Realms mode: one token per realm ID, each signed by that realm's own issuer. */
  realmTokens?: Record<string, string>;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { cache: "no-store", ...init });
  } catch {
    throw new ApiError(0, "offline", "Can't reach the server. Check your connection and try again.");
  }
  const body = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
  if (!res.ok) throw new ApiError(res.status, body.error?.code ?? "http_error", body.error?.message ?? `The server answered HTTP ${res.status}.`);
  return body as T;
}

export function fetchConfig(): Promise<AppConfig> {
  return call<AppConfig>("/api/config");
}

export function login(account: string): Promise<LoginResult> {
  return call<LoginResult>("/api/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ account }) });
}
