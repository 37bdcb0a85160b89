/**
 * `chatvault serve`: run the Backup Key Vault. It wraps the vault's own command line
 * (packages/vault-server/src/command-line.ts): every vault flag is declared here from
 * its flag table — name, help, variable, and whether it is a switch — so `--help`, the
 * CHATVAULT_VAULT_* variables and the vault's docs agree, and a flag added there is here.
 * Embedded defaults need nothing running: SQLite, a key file sealing the vault's secrets
 * and an HS256 dev secret for account tokens, all under <home>/vault.
 * `serve token --account alice --out F` mints a dev account token for that vault.
 */
import { rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { UsageError } from "../cli-error.ts";
import { outputOf } from "../options.ts";
import { writeNewSecretFile } from "../secret-file.ts";
import { type VaultServerModule, untilStopped, vaultDataDir, vaultHome } from "../vault-home.ts";

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * The vault's own argv for what commander parsed: `--flag` for a switch that was given,
 * `--flag value` for a value, in the table's order; flags not given are left out (the
 * vault then reads its CHATVAULT_VAULT_* variable).
 */
export function vaultArgv(flags: Record<string, unknown>, table: VaultServerModule["COMMAND_LINE_FLAGS"]): string[] {
  const argv: string[] = [];
  for (const [flag, d] of Object.entries(table)) {
    const v = flags[camel(flag)];
    if (d.boolean) {
      if (v === true) argv.push(`--${flag}`);
    } else if (typeof v === "string") argv.push(`--${flag}`, v);
  }
  return argv;
}

/** `vs` is loaded only when a vault command runs (bin.ts): it costs ~200 ms to import. */
export function registerServe(program: Command, vs?: VaultServerModule): void {
  const serve = program
    .command("serve")
    .description("run the key vault (SQLite + key file under <home>/vault unless told otherwise)")
    .option("--home <dir>", "data folder (env CHATVAULT_HOME, default ./.chatvault); the vault uses <home>/vault");
  if (vs) {
    for (const [flag, d] of Object.entries(vs.COMMAND_LINE_FLAGS)) {
      serve.option(d.boolean ? `--${flag}` : `--${flag} <value>`, `${d.help} (env CHATVAULT_VAULT_${d.env})`);
    }
  } else {
    serve.allowUnknownOption(true).addHelpText("after", "\nVault flags: run `chatvault serve --help`.");
  }
  serve.action(async (flags: Record<string, string | boolean | undefined>, command: Command) => {
    const out = outputOf(command);
    if (!vs) throw new Error("internal: vault server not loaded");
    const cl = parseVault(vs, vaultArgv(flags, vs.COMMAND_LINE_FLAGS));
    const { workers = 1, ...options } = cl.options;
    options.dataDir ??= vaultDataDir(vaultHome(flags.home as string | undefined));
    if (process.env.CHATVAULT_PORT && options.port === undefined) options.port = Number(process.env.CHATVAULT_PORT);
    // Under --json, stdout carries one object: the vault's log lines go to stderr.
    const running =
      workers === 1
        ? await vs.startVaultServer({ ...options, ...(out.json ? { logDestination: process.stderr } : {}) })
        : await vs.startVaultCluster({ ...options, ...(workers > 0 ? { workers } : {}) });
    out.note(`chatvault key vault listening on ${running.url}; data in ${options.dataDir} (Ctrl-C stops it)`);
    out.result({ url: running.url, dataDir: options.dataDir }, []);
    await untilStopped();
    await running.close();
  });

  serve
    .command("token")
    .description("mint a dev account token signed with this vault's dev secret")
    .requiredOption("--account <id>", "account ID (the token's subject)")
    .option("--ttl <duration>", "lifetime: seconds, or 90s, 12h, 30d (default 30d)")
    .option("--out <file>", "write the token to this file (mode 0600); without it the token goes to stdout, which must not be a terminal")
    .option("--force", "replace --out if it exists")
    .action(async (flags: { account: string; ttl?: string; out?: string; force?: boolean }, command: Command) => {
      const out = outputOf(command);
      // --home is serve's option (commander hands it to the parent wherever it appears).
      const home = vaultHome((command.optsWithGlobals() as { home?: string }).home);
      if (!vs) throw new Error("internal: vault server not loaded");
      const cl = parseVault(vs, ["token", "--account", flags.account, "--ttl", flags.ttl ?? "30d"]);
      const auth = cl.options.auth;
      const secret =
        auth && "hs256Secret" in auth ? auth.hs256Secret : vs.loadOrCreateDevSecret(join(cl.options.dataDir ?? vaultDataDir(home), vs.DATA_FILES.devSecret));
      let token: string;
      try {
        token = await vs.mintDevToken({ secret, account: flags.account, ttl: cl.ttlSeconds ?? 30 * 86400 });
      } catch (e) {
        if (e instanceof TypeError || e instanceof RangeError) throw new UsageError(e.message);
        throw e;
      }
      if (flags.out) {
        const file = resolve(flags.out);
        if (flags.force) await rm(file, { force: true });
        await writeNewSecretFile(file, token + "\n");
        out.result({ account: flags.account, file }, [`Token for ${flags.account} written to ${file}.`]);
        return;
      }
      // A token is a credential: keep it off screens and out of JSON; only a redirect gets it.
      if (out.json || process.stdout.isTTY) throw new UsageError("pass --out FILE, or redirect stdout to a file (the token is a credential and is not shown)");
      process.stdout.write(token + "\n");
    });
}

/** The vault's parser throws RangeError/TypeError for bad values: that is a usage error here. */
function parseVault(vs: VaultServerModule, argv: string[]) {
  try {
    return vs.parseCommandLine(argv);
  } catch (e) {
    if (e instanceof RangeError || e instanceof TypeError) throw new UsageError(e.message);
    throw e;
  }
}
