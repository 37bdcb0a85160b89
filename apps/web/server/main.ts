/**
 * `npm run dev:server -w apps/web`: the web messenger with its own key vault, for working
 * on the app without the CLI (`npm start` is the product's way). Builds the app if needed.
 * Environment: CHATVAULT_HOME (default ./.chatvault-web), CHATVAULT_WEB_PORT (default 8480),
 * CHATVAULT_VAULT_PORT (default 0 = any free port).
 */
import { join, resolve } from "node:path";
import { DATA_FILES, loadOrCreateDevSecret, startVaultServer } from "@chatvault/vault-server";
import { createWebServer } from "./web-server.ts";

const home = resolve(process.env.CHATVAULT_HOME ?? ".chatvault-web");
const vaultDir = join(home, "vault");
const vault = await startVaultServer({
  host: "127.0.0.1",
  port: Number(process.env.CHATVAULT_VAULT_PORT ?? 0),
  dataDir: vaultDir,
  logLevel: "warn",
  logDestination: process.stderr,
});
const web = await createWebServer({
  host: "127.0.0.1",
  port: Number(process.env.CHATVAULT_WEB_PORT ?? 8480),
  dataDir: home,
  vaultUrl: vault.url,
  tokenSecret: loadOrCreateDevSecret(join(vaultDir, DATA_FILES.devSecret)),
  onNote: (l) => process.stderr.write(l + "\n"),
});
process.stdout.write(`chatvault messenger: ${web.url}\n  key vault ${vault.url}\n  backups   ${web.backupsDir}/<account>\n  requests  ${web.requestLogPath}\n`);
const stop = () => void Promise.all([web.close(), vault.close()]).then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
