/**
 * Where `serve` keeps the embedded vault's data: $CHATVAULT_HOME or ./.chatvault, with the
 * vault (SQLite database, key file, dev token secret) in <home>/vault. One folder, so
 * "start over" is deleting it. `npm start` (apps/local) uses the same home and port rules,
 * so the `chatvault serve token --home …` it prints finds its vault's dev secret.
 */
import { resolve, join } from "node:path";
import { UsageError } from "./cli-error.ts";

/** The home folder: `flag` (--home), else $CHATVAULT_HOME, else ./.chatvault; absolute. */
export function vaultHome(flag?: string): string {
  return resolve(flag ?? (process.env.CHATVAULT_HOME || ".chatvault"));
}

/** The vault's own folder in a home: `<home>/vault`. */
export function vaultDataDir(home: string): string {
  return join(home, "vault");
}

/** The vault's port when neither --port nor $CHATVAULT_PORT says otherwise. */
export const DEFAULT_VAULT_PORT = 8471;

/** The vault's port: `flag` (--port), else $CHATVAULT_PORT, else 8471; 0 means any free port. Throws UsageError for anything but 0..65535. */
export function portFrom(flag: string | undefined): number {
  const v = flag ?? (process.env.CHATVAULT_PORT || undefined);
  if (v === undefined) return DEFAULT_VAULT_PORT;
  if (!/^\d{1,5}$/.test(v) || Number(v) > 65535) throw new UsageError(`port must be 0..65535, got ${JSON.stringify(v)}`);
  return Number(v);
}

export type VaultServerModule = typeof import("@chatvault/vault-server");

/** Imported lazily: it pulls in an HTTP server and database drivers that backup and restore never need. */
export async function loadVaultServer(): Promise<VaultServerModule> {
  return import("@chatvault/vault-server");
}

/** Resolve on the first SIGINT/SIGTERM (Ctrl-C), for long-running commands. */
export function untilStopped(): Promise<NodeJS.Signals> {
  return new Promise((done) => {
    const stop = (sig: NodeJS.Signals) => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      done(sig);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
