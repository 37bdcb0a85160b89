/**
 * How the installed `chatvault` command starts Node: the shebang of
 * packages/cli/bin/chatvault.js, read the way the kernel and coreutils `env -S` read it, so
 * the bench starts the compiled CLI (dist/bin.js) with the same environment and Node flags as
 * the installed command (docs/performance.md, "How each tool is run"). Only the shapes the
 * launcher uses are accepted; anything else is a {@link LauncherShebangError}, so a new shape
 * cannot be measured without the settings it carries.
 *
 *   #!/usr/bin/env node
 *   #!/usr/bin/env -S NAME=VALUE… node --flag…
 */

/** The launcher's shebang is not one the bench knows how to reproduce. */
export class LauncherShebangError extends Error {
  readonly code = "BENCH_LAUNCHER_SHEBANG";
  override readonly name = "LauncherShebangError";
}

export interface LauncherStart {
  /** The program the kernel runs (the shebang's interpreter): `/usr/bin/env`. */
  interpreter: string;
  /** Variables `env` sets before it execs Node, in shebang order. */
  env: [name: string, value: string][];
  /** Node's own flags, before the script. */
  nodeFlags: string[];
}

const ENV = "/usr/bin/env";
/** Linux reads at most 127 bytes of a shebang before 5.1 (BINPRM_BUF_SIZE 128) and truncates silently. */
export const MAX_SHEBANG_BYTES = 127;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** What `env -S` would give a meaning of its own (quotes, escapes, `${VAR}`, comments): not used here. */
const SPECIAL = /["'\\$#]/;
/** A Node flag with an optional `=value`, nothing `env -S` or a shell would reinterpret. */
const FLAG = /^--[a-z0-9][a-z0-9-]*(=[A-Za-z0-9._:/-]+)?$/;

/** Reads the first line of `text` (the launcher's source) into how it starts Node. */
export function parseLauncherShebang(text: string): LauncherStart {
  const line = text.split("\n", 1)[0]!.replace(/\r$/, "");
  if (!line.startsWith("#!")) throw new LauncherShebangError("the launcher has no shebang");
  if (Buffer.byteLength(line) > MAX_SHEBANG_BYTES) {
    throw new LauncherShebangError(`the shebang is ${Buffer.byteLength(line)} bytes; Linux before 5.1 reads ${MAX_SHEBANG_BYTES}`);
  }
  // The kernel splits the interpreter from the rest at the first blank and passes the
  // rest as ONE argument: `env` splits it only with -S.
  const m = /^#!([^ \t]+)[ \t]+(.*)$/.exec(line);
  if (!m || m[1] !== ENV) throw new LauncherShebangError(`the shebang must run ${ENV}: ${JSON.stringify(line)}`);
  const rest = m[2]!.trim();
  if (rest === "node") return { interpreter: ENV, env: [], nodeFlags: [] };
  if (!rest.startsWith("-S ") && !rest.startsWith("-S\t")) {
    throw new LauncherShebangError(`without -S, env gets ${JSON.stringify(rest)} as one program name`);
  }
  const words = rest
    .slice(3)
    .trim()
    .split(/[ \t]+/);
  for (const w of words) if (SPECIAL.test(w)) throw new LauncherShebangError(`${JSON.stringify(w)}: env -S would reinterpret it`);
  const env: [string, string][] = [];
  let i = 0;
  for (; i < words.length && words[i]!.includes("="); i++) {
    const w = words[i]!;
    const name = w.slice(0, w.indexOf("="));
    if (!NAME.test(name)) throw new LauncherShebangError(`${JSON.stringify(w)} is not NAME=VALUE`);
    env.push([name, w.slice(name.length + 1)]);
  }
  if (words[i] !== "node") throw new LauncherShebangError(`the shebang must start node, not ${JSON.stringify(words[i] ?? "")}`);
  const nodeFlags = words.slice(i + 1);
  for (const f of nodeFlags) if (!FLAG.test(f)) throw new LauncherShebangError(`${JSON.stringify(f)} is not a Node flag`);
  return { interpreter: ENV, env, nodeFlags };
}

/**
 * The command line that starts `script` as the shebang starts the launcher: `env NAME=VALUE…
 * <node> --flag… script` (what `env -S` execs after splitting), with `node` the given
 * executable instead of the one on PATH. `env` execs Node: one process, as installed.
 */
export function launcherCommand(start: LauncherStart, node: string, script: string): string[] {
  return [start.interpreter, ...start.env.map(([k, v]) => `${k}=${v}`), node, ...start.nodeFlags, script];
}
