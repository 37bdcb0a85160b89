/**
 * Where the live writer (live-writer.ts: a stand-in for a chat app committing to its
 * database, run as its own process) is, for the tests that back up during writes.
 */
import { fileURLToPath } from "node:url";

/** Installed: the compiled `live-writer.js`. In the workspace: `live-writer.ts`, run by tsx from the sources (README "Layout"). */
const fromSource = import.meta.url.endsWith(".ts");
export const LIVE_WRITER_PATH = fileURLToPath(new URL(fromSource ? "./live-writer.ts" : "./live-writer.js", import.meta.url));
/** Node flags that run the writer's own file: none when compiled. */
export const LIVE_WRITER_EXEC_ARGV: readonly string[] = fromSource ? ["--conditions=chatvault-source", "--import", "tsx"] : [];
