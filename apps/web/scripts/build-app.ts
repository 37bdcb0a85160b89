/**
 * Builds the web app: the demo seed (scripts/seed.ts), then Vite 7 (no framework plugin:
 * the views call Preact's `h` directly, so no JSX transform is needed) into apps/web/dist.
 * Everything the page needs — the SQLite and OPAQUE WebAssembly included — is in dist, so
 * the app runs with no network beyond its own server.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureSeed } from "./seed.ts";

export const APP_DIR = resolve(fileURLToPath(new URL("..", import.meta.url)));
const STAMP = ".build-stamp";

export interface BuildWebAppOptions {
  /** Output folder (default apps/web/dist). */
  outDir?: string;
  /** Build even when the output is up to date. */
  force?: boolean;
  /** Progress lines ("building the web app…"). */
  onNote?: (line: string) => void;
}

/** What the bundle is made of: the app, and the workspace packages it bundles. */
const SOURCES = [
  "src",
  "index.html",
  "scripts",
  "../../packages/format/src",
  "../../packages/sdk/src",
  "../../packages/storage/src",
  "../../packages/vault-protocol/src",
];

/** Newest modification time of the sources (test files included: cheap, and harmless). */
function newestSource(): number {
  let newest = 0;
  const visit = (p: string) => {
    const st = statSync(p, { throwIfNoEntry: false });
    if (st?.isDirectory()) for (const n of readdirSync(p)) visit(join(p, n));
    else if (st) newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of SOURCES) visit(join(APP_DIR, p));
  return newest;
}

/** True when `outDir` holds a build at least as new as every source file. */
export function webAppBuilt(outDir = join(APP_DIR, "dist")): boolean {
  const stamp = join(outDir, STAMP);
  return existsSync(join(outDir, "index.html")) && existsSync(stamp) && statSync(stamp).mtimeMs >= newestSource();
}

/**
 * One build at a time across processes (test files run in parallel and each makes sure the
 * app is built): a lock folder, taken with mkdir (atomic), broken when older than 5 minutes.
 */
async function withBuildLock<T>(fn: () => Promise<T>): Promise<T> {
  const lock = join(APP_DIR, ".build-lock");
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 5 * 60_000) rmSync(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export async function buildWebApp(o: BuildWebAppOptions = {}): Promise<string> {
  const outDir = o.outDir ?? join(APP_DIR, "dist");
  if (!o.force && webAppBuilt(outDir)) return outDir;
  return withBuildLock(async () => {
    // Another process may have built it while this one waited for the lock.
    if (!o.force && webAppBuilt(outDir)) return outDir;
    return buildInto(outDir, o);
  });
}

async function buildInto(outDir: string, o: BuildWebAppOptions): Promise<string> {
  o.onNote?.("building the web app (apps/web/dist)…");
  const publicDir = join(APP_DIR, ".seed");
  await ensureSeed(publicDir);
  const { build: viteBuild, defaultClientConditions } = await import("vite");
  await viteBuild({
    configFile: false,
    // The workspace's @chatvault packages from source, not their dist/ (README "Layout").
    resolve: { conditions: ["chatvault-source", ...defaultClientConditions] },
    root: APP_DIR,
    publicDir,
    base: "/",
    logLevel: "warn",
    build: {
      outDir,
      // Keep the previous build's hashed assets for a while: a page a server handed out a
      // moment ago (another test file, another tab) still loads them. Swept below.
      emptyOutDir: false,
      // OPAQUE's module uses top-level await; every browser with WebCrypto + wasm has ES2022.
      target: "es2022",
      sourcemap: true,
      chunkSizeWarningLimit: 4096,
    },
  });
  writeFileSync(join(outDir, STAMP), new Date().toISOString() + "\n");
  sweepOldAssets(join(outDir, "assets"));
  return outDir;
}

/** Remove assets no build has written for 10 minutes (this build rewrote all of its own). */
function sweepOldAssets(dir: string): void {
  const cutoff = Date.now() - 10 * 60_000;
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).mtimeMs < cutoff) rmSync(p, { force: true });
  }
}
