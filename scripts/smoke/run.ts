/**
 * Install smoke test (`npm run test:smoke`, run by .ci/run after `npm test`): do what an
 * app team does with the packed packages, in a fresh project OUTSIDE this workspace.
 *
 *  1. build the public packages and `npm pack` them;
 *  2. create a project in a temp dir and `npm install` only those tarballs (plus Vite
 *     from the registry, for the page);
 *  3. start the vault with the installed `chatvault serve` (two cluster workers), mint
 *     account tokens with it;
 *  4. Node SDK: back up and restore a demo chat history in key mode and in password mode
 *     (app/node-sdk.mjs);
 *  5. browser: bundle app/page.js with Vite from the installed browser entries, and run a
 *     password-mode backup and restore in Chromium against that vault (app/page.js);
 *  6. run the installed `chatvault --help`, and time `--help` / `--version`; check that
 *     `--version` and `--help` load one file of the CLI's (bin.js: the entry, the
 *     prebuilt help's reader, the version) besides its launcher, and `help` none of the
 *     heavy packages
 *     (packages/cli/test/startup-loads.ts; cli-startup.test.ts and help-text.test.ts do the
 *     same on the sources and the compiled CLI). The compiled CLI is an esbuild bundle
 *     (packages/cli/bundle.mjs): what a start loads is read from the modules its loaded
 *     bundle files hold;
 *  7. through the installed, bundled CLI: demo data, `init` (key mode), a first backup (the
 *     database copy on its thread), a backup of >64 MiB of new media (chunk worker
 *     threads), a restore (restore workers, database check), the restored data compared;
 *     these processes must load no file of the other installed @chatvault packages (all
 *     is in the CLI's bundle), and must load the bundle's snapshot, chunk and restore
 *     workers; `serve` above must have forked the bundle's cluster worker.
 *
 * Every process and thread started from the project preloads app/record-loads.mjs, which
 * logs each module file it loads: the test fails if one of them is in this workspace, is
 * TypeScript, or is tsx — and if the log misses the compiled chunk worker (so the check
 * itself is seen working). Prints a JSON report (packed sizes, install time, timings);
 * also written to test-results/smoke-install.json. `--keep` keeps the temp project.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { createHash } from "node:crypto";
import Database from "better-sqlite3";
import { chromiumAvailable, inCI, launchChromium } from "@chatvault/testkit";
import { HEAVY_PACKAGES, bundledModules, filesOfCli, isOneOf, recordLoads } from "../../packages/cli/test/startup-loads.ts";

const ROOT = realpathSync(new URL("../..", import.meta.url).pathname);
const APP = join(ROOT, "scripts/smoke/app");
const PUBLIC = [
  "@chatvault/format",
  "@chatvault/storage",
  "@chatvault/vault-protocol",
  "@chatvault/sdk",
  "@chatvault/vault-server",
  "@chatvault/demo-data",
  "@chatvault/cli",
];
const keep = process.argv.includes("--keep");
const t0 = performance.now();
const step = (s: string) => console.error(`== [${((performance.now() - t0) / 1000).toFixed(1)}s] ${s}`);

/** The environment of everything run in the project: nothing of this workspace's npm run or source condition. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith("npm_") || k.startsWith("CHATVAULT_") || k === "NODE_OPTIONS" || k === "NODE_PATH" || k === "INIT_CWD") continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

function run(cmd: string, args: string[], o: { cwd: string; env?: NodeJS.ProcessEnv }): string {
  const r = spawnSync(cmd, args, { cwd: o.cwd, env: o.env ?? cleanEnv(), encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited with ${r.status}:\n${r.stderr}\n${r.stdout}`.trim());
  return r.stdout;
}

function timeRuns(cmd: string, args: string[], cwd: string, n: number): { minMs: number; medianMs: number; p90Ms: number } {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    const r = spawnSync(cmd, args, { cwd, env: cleanEnv(), stdio: "ignore" });
    ms.push(performance.now() - s);
    assert.equal(r.status, 0, `${cmd} ${args.join(" ")}`);
  }
  ms.sort((a, b) => a - b);
  const at = (q: number) => Math.round(ms[Math.min(ms.length - 1, Math.floor(q * ms.length))]!);
  return { minMs: Math.round(ms[0]!), medianMs: at(0.5), p90Ms: at(0.9) };
}

/** `chatvault serve --json`: resolves with its URL once it listens. */
function startVault(bin: string, cwd: string, env: NodeJS.ProcessEnv, home: string): Promise<{ url: string; proc: ChildProcess }> {
  // Two worker processes: the installed cluster must fork its compiled worker too.
  const proc = spawn(process.execPath, [bin, "serve", "--home", home, "--port", "0", "--workers", "2", "--json"], {
    cwd,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  proc.stderr!.on("data", (d: Buffer) => (err += String(d)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`chatvault serve did not start in 60 s: ${err}`)), 60_000);
    proc.stdout!.on("data", (d: Buffer) => {
      out += String(d);
      const m = /"url":"([^"]+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, proc });
      }
    });
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`chatvault serve exited with ${code}: ${err}`));
    });
  });
}

const TYPES: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm", ".css": "text/css" };

/** The page's origin: Vite's output, two fixture files, and /vault/* passed through to the vault (the vault sends no CORS headers, as for the web app). */
function pageServer(dist: string, fixtures: Record<string, string>, vaultUrl: string): Promise<{ url: string; server: Server }> {
  const server = createServer(async (req, res) => {
    try {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      if (path === "/vault" || path.startsWith("/vault/")) {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const headers: Record<string, string> = {};
        for (const h of ["content-type", "authorization", "accept"]) if (req.headers[h]) headers[h] = String(req.headers[h]);
        const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
        const r = await fetch(vaultUrl + path.slice("/vault".length) + new URL(req.url!, "http://x").search, {
          method: req.method!,
          headers,
          ...(body ? { body } : {}),
        });
        res.writeHead(r.status, { "content-type": r.headers.get("content-type") ?? "application/octet-stream" });
        res.end(Buffer.from(await r.arrayBuffer()));
        return;
      }
      const file = fixtures[path] ?? join(dist, path === "/" ? "index.html" : path);
      if (!file.startsWith(dist) && !Object.values(fixtures).includes(file)) throw new Error("outside");
      const data = readFileSync(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
      res.end(data);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const a = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${a.port}`, server });
    }),
  );
}

async function main(): Promise<void> {
  if (!chromiumAvailable()) {
    if (inCI) throw new Error("required service missing under CI: Chromium (/usr/bin/chromium)");
    console.error("smoke: Chromium not found; the browser part needs it (set CHROMIUM_PATH). Skipping.");
    return;
  }
  const base = realpathSync(mkdtempSync(join(tmpdir(), "chatvault-smoke-")));
  assert.ok(!base.startsWith(ROOT + "/"), `the smoke project must be outside the workspace: ${base}`);
  const project = join(base, "app");
  const tarballs = join(base, "tarballs");
  const work = join(base, "work");
  const loads = join(base, "loads.log");
  mkdirSync(tarballs);
  mkdirSync(work);
  let vault: ChildProcess | undefined;
  let page: Server | undefined;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let ok = false;
  try {
    step(`building ${PUBLIC.join(", ")}`);
    run(process.execPath, [join(ROOT, "scripts/build.mjs"), "@chatvault/cli"], { cwd: ROOT });

    step("npm pack");
    const packed = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", tarballs, ...PUBLIC.flatMap((p) => ["-w", p])], { cwd: ROOT })) as {
      name: string;
      filename: string;
      size: number;
      unpackedSize: number;
      entryCount: number;
    }[];
    assert.deepEqual(packed.map((p) => p.name).sort(), [...PUBLIC].sort());

    step(`fresh project in ${project}; npm install of the ${packed.length} tarballs`);
    cpSync(APP, project, { recursive: true });
    const viteVersion = (JSON.parse(readFileSync(join(ROOT, "node_modules/vite/package.json"), "utf8")) as { version: string }).version;
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify(
        {
          name: "chatvault-smoke-app",
          private: true,
          type: "module",
          // npm ≥ 11 runs dependencies' install scripts only when allowed: the two native modules (and Vite's esbuild).
          allowScripts: { "better-sqlite3": true, pkcs11js: true, esbuild: true },
        },
        null,
        2,
      ),
    );
    const installStart = performance.now();
    run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", ...packed.map((p) => join(tarballs, p.filename)), `vite@${viteVersion}`], {
      cwd: project,
    });
    const installSeconds = (performance.now() - installStart) / 1000;

    const env = cleanEnv({ HOME: join(base, "home"), NODE_OPTIONS: `--import=${join(project, "record-loads.mjs")}`, CHATVAULT_SMOKE_LOADS: loads });
    const cli = join(project, "node_modules/@chatvault/cli/bin/chatvault.js");
    assert.ok(existsSync(join(project, "node_modules/.bin/chatvault")), "the CLI package installs a chatvault command");

    step("chatvault serve (installed)");
    const home = join(base, "vault-home");
    const started = await startVault(cli, project, env, home);
    vault = started.proc;
    const token = (account: string) => {
      const file = join(base, `${account}.token`);
      run(process.execPath, [cli, "serve", "token", "--home", home, "--account", account, "--out", file], { cwd: project, env });
      return file;
    };

    step("Node SDK: key mode and password mode");
    const nodeResult = JSON.parse(run(process.execPath, ["node-sdk.mjs", work, started.url, token("node-user")], { cwd: project, env })) as Record<
      string,
      unknown
    >;
    assert.deepEqual(nodeResult.wrongPassword, { code: "wrong_password", attemptsRemaining: 4 });

    step("Vite bundle of the browser entries, then backup and restore in Chromium");
    run(process.execPath, [join(project, "node_modules/vite/bin/vite.js"), "build", "--logLevel", "warn"], { cwd: project, env });
    const dist = join(project, "dist");
    const js = run("sh", ["-c", "cat dist/assets/*.js"], { cwd: project });
    assert.ok(!js.includes("__vite-browser-external"), "the browser bundle needed a Node module (Vite replaced it with an empty stub)");
    const served = await pageServer(
      dist,
      { "/fixture/msgstore.db": join(work, "chats/msgstore.db"), "/fixture/media-file": firstMedia(join(work, "chats/media")) },
      started.url,
    );
    page = served.server;
    browser = await launchChromium();
    const tab = await browser.newPage();
    const pageErrors: string[] = [];
    tab.on("pageerror", (e) => pageErrors.push(e.message));
    await tab.goto(served.url + "/");
    await tab.waitForFunction(() => document.getElementById("status")?.textContent === "ready", undefined, { timeout: 30_000 });
    const browserToken = readFileSync(token("browser-user"), "utf8").trim();
    const browserResult = await tab.evaluate((a) => (window as unknown as { chatvaultSmoke(x: unknown): Promise<Record<string, unknown>> }).chatvaultSmoke(a), {
      token: browserToken,
      password: "a browser password, smoke",
    });
    assert.deepEqual(pageErrors, []);
    assert.equal(browserResult.sameDb, true, "browser: the restored database equals the original");
    assert.equal(browserResult.sameMedia, true, "browser: the restored media equals the original");

    step("chatvault --help (installed)");
    const help = run(process.execPath, [cli, "--help"], { cwd: project, env });
    assert.match(help, /^Usage: chatvault /);
    for (const c of ["init", "backup", "restore", "serve"]) assert.match(help, new RegExp(`\\n  ${c} `), `--help lists ${c}`);
    // A lone --version and a lone --help (the help the build rendered with commander,
    // dist/help.txt) load bin.js alone: its bundle holds the entry, the prebuilt help's
    // reader and the version, inlined at build time (packages/cli/bundle.mjs).
    const installedCli = join(project, "node_modules/@chatvault/cli");
    const startLoads = (flag: string) => {
      const r = recordLoads(cli, [flag], { cwd: project, env: cleanEnv({ HOME: join(base, "home") }) });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(filesOfCli(r, installedCli), ["bin/chatvault.js", "dist/bin.js"], `the installed chatvault ${flag} loads only its entry files`);
      assert.deepEqual(
        r.modules.toSorted(),
        ["dist/bin.js", "dist/help-text.js"],
        `the installed chatvault ${flag} loads only the CLI's entry and the prebuilt help's reader`,
      );
      return r;
    };
    assert.match(startLoads("--version").stdout, /^\d+\.\d+\.\d+\S*\n$/);
    assert.equal(startLoads("--help").stdout, help, "--help prints the same under the load recorder");
    // `chatvault help` renders the help through commander: the same bytes.
    const helpCommand = recordLoads(cli, ["help"], { cwd: project, env: cleanEnv({ HOME: join(base, "home") }) });
    assert.equal(helpCommand.status, 0, helpCommand.stderr);
    assert.equal(helpCommand.stdout, help, "chatvault help (commander) prints what --help prints");
    assert.ok(helpCommand.packages.includes("commander"), "the help load log misses commander (the recorder must see it)");
    assert.deepEqual(
      helpCommand.packages.filter((p) => isOneOf(p, HEAVY_PACKAGES)),
      [],
      "the installed chatvault help loads a heavy package",
    );
    const bin = join(project, "node_modules/.bin/chatvault");
    const timings = {
      node: timeRuns(process.execPath, ["-e", "0"], project, 15),
      help: timeRuns(bin, ["--help"], project, 15),
      version: timeRuns(bin, ["--version"], project, 15),
    };

    step("chatvault demo-data, init, backup (new media on chunk workers), restore (installed, bundled)");
    const cliLoads = join(base, "cli-loads.log");
    const cliEnv = cleanEnv({ HOME: join(base, "home"), NODE_OPTIONS: `--import=${join(project, "record-loads.mjs")}`, CHATVAULT_SMOKE_LOADS: cliLoads });
    const cliRun = (...args: string[]) => run(process.execPath, [cli, ...args], { cwd: project, env: cliEnv });
    const chats = join(base, "cli-chats");
    const repo = join(base, "cli-repo");
    const keyFile = join(base, "cli.key");
    // A database over 8 MiB: the first backup copies it on its own thread (snapshot-thread.ts).
    cliRun("demo-data", "--out", chats, "--messages", "50000", "--media-mib", "4", "--seed", "5");
    cliRun("init", "--repo", repo, "--new-key-file", keyFile);
    const source = ["--repo", repo, "--key-file", keyFile];
    cliRun("backup", ...source, "--db", join(chats, "msgstore.db"), "--media", join(chats, "media"));
    // Over 64 MiB of new media: the backup chunks it on worker threads (backup.ts).
    for (let i = 0; i < 3; i++) writeFileSync(join(chats, "media", `new-${i}.bin`), randomBytesOf(24 << 20, i));
    cliRun("demo-data", "--mutate", chats, "--messages", "300");
    assert.match(cliRun("backup", ...source, "--db", join(chats, "msgstore.db"), "--media", join(chats, "media")), /Backed up snapshot 2 /);
    const restored = join(base, "cli-restored");
    cliRun("restore", ...source, "--to", restored);
    assert.equal(
      chatsFingerprint(join(restored, "msgstore.db"), join(restored, "media")),
      chatsFingerprint(join(chats, "msgstore.db"), join(chats, "media")),
      "the CLI restored what it backed up",
    );
    const cliFiles = [
      ...new Set(
        readFileSync(cliLoads, "utf8")
          .split("\n")
          .filter(Boolean)
          .map((u) => realpathSync(new URL(u).pathname)),
      ),
    ];
    assert.deepEqual(
      cliFiles.filter((f) => f === ROOT || f.startsWith(ROOT + "/") || /\.(c|m)?ts$/.test(f)),
      [],
      "the installed CLI loaded files from the workspace, or TypeScript",
    );
    const installed = join(project, "node_modules/@chatvault/");
    assert.deepEqual(
      cliFiles.filter((f) => f.startsWith(installed) && !f.startsWith(join(installed, "cli/"))),
      [],
      "the bundled CLI loaded files of the other @chatvault packages (they are bundled into it)",
    );
    for (const worker of ["dist/snapshot-worker.js", "dist/workers/chunk-worker.js", "dist/workers/restore-worker.js"]) {
      assert.ok(cliFiles.includes(join(installed, "cli", worker)), `the CLI's backup and restore did not load the bundle's ${worker}`);
    }

    step("what the installed packages loaded");
    vault.kill("SIGTERM");
    await new Promise((r) => vault!.once("exit", r));
    vault = undefined;
    const files = [
      ...new Set(
        readFileSync(loads, "utf8")
          .split("\n")
          .filter(Boolean)
          .map((u) => realpathSync(new URL(u).pathname)),
      ),
    ];
    const fromWorkspace = files.filter((f) => f === ROOT || f.startsWith(ROOT + "/"));
    assert.deepEqual(fromWorkspace, [], "an installed package loaded files from the workspace");
    const typescript = files.filter((f) => /\.(c|m)?ts$/.test(f) || f.includes("/node_modules/tsx/"));
    assert.deepEqual(typescript, [], "TypeScript (or tsx) was loaded at run time");
    const ours = files.filter((f) => f.startsWith(join(project, "node_modules/@chatvault/")));
    for (const must of ["sdk/dist/node/workers/chunk-worker.js", "sdk/dist/node/db-source/snapshot-worker.js", "cli/dist/bin.js", "cli/dist/worker.js"]) {
      assert.ok(
        ours.some((f) => f.endsWith(`/@chatvault/${must}`)),
        `the load log misses @chatvault/${must}`,
      );
    }
    // `serve` runs the vault server bundled into the CLI: its primary and cluster workers.
    const bundled = new Set(ours.filter((f) => f.includes("/@chatvault/cli/dist/")).flatMap(bundledModules));
    for (const must of ["../vault-server/dist/server.js", "../vault-server/dist/cluster/cluster.js", "../vault-server/dist/cluster/worker.js"]) {
      assert.ok(bundled.has(must), `the installed CLI's serve did not load the bundled ${must}`);
    }

    const report = {
      packed: Object.fromEntries(packed.map((p) => [p.name, { tarballBytes: p.size, unpackedBytes: p.unpackedSize, files: p.entryCount }])),
      installSeconds: Math.round(installSeconds * 10) / 10,
      node: nodeResult,
      browser: browserResult,
      startup: timings,
      filesLoaded: files.length,
      chatvaultFilesLoaded: ours.length,
      totalSeconds: Math.round((performance.now() - t0) / 100) / 10,
    };
    mkdirSync(join(ROOT, "test-results"), { recursive: true });
    writeFileSync(join(ROOT, "test-results/smoke-install.json"), JSON.stringify(report, null, 2) + "\n");
    console.log(JSON.stringify(report, null, 2));
    ok = true;
  } finally {
    await browser?.close();
    page?.close();
    vault?.kill("SIGKILL");
    if (keep || !ok) console.error(`smoke: project kept in ${base}`);
    else rmSync(base, { recursive: true, force: true });
  }
  step("smoke test passed");
}

/** Incompressible bytes, the same for the same seed. */
function randomBytesOf(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash("sha256").update(`smoke media ${seed}`).digest();
  for (let at = 0; at < size; at += block.length) {
    block.copy(out, at);
    block = createHash("sha256").update(block).digest();
  }
  return out;
}

/** A chat history's content: every row of every table, and every media file's name and bytes. */
function chatsFingerprint(dbPath: string, mediaDir: string): string {
  const h = createHash("sha256");
  const db = new Database(dbPath, { readonly: true });
  for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]) {
    h.update(name);
    for (const row of db.prepare(`SELECT * FROM "${name}"`).raw().iterate()) h.update(JSON.stringify(row));
  }
  db.close();
  const files = spawnSync("find", [mediaDir, "-type", "f"], { encoding: "utf8" }).stdout.split("\n").filter(Boolean).sort();
  assert.ok(files.length > 0, `no media in ${mediaDir}`);
  for (const f of files) h.update(f.slice(mediaDir.length)).update(readFileSync(f));
  return h.digest("hex");
}

function firstMedia(dir: string): string {
  const r = spawnSync("find", [dir, "-type", "f"], { encoding: "utf8" });
  const file = r.stdout.split("\n").filter(Boolean).sort()[0];
  assert.ok(file, `no media file in ${dir}`);
  return file;
}

await main();
