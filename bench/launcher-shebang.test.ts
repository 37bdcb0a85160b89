import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { compiledCliCommand } from "./chatvault-tool.ts";
import { LauncherShebangError, MAX_SHEBANG_BYTES, launcherCommand, parseLauncherShebang } from "./launcher-shebang.ts";

const LAUNCHER = new URL("../packages/cli/bin/chatvault.js", import.meta.url).pathname;

test("shebangs the launcher may use are read into variables and Node flags", () => {
  assert.deepEqual(parseLauncherShebang("#!/usr/bin/env node\nrest"), { interpreter: "/usr/bin/env", env: [], nodeFlags: [] });
  assert.deepEqual(parseLauncherShebang("#!/usr/bin/env -S A_1=2 B=x node --single-threaded --v8-pool-size=1\r\n"), {
    interpreter: "/usr/bin/env",
    env: [
      ["A_1", "2"],
      ["B", "x"],
    ],
    nodeFlags: ["--single-threaded", "--v8-pool-size=1"],
  });
  assert.deepEqual(parseLauncherShebang("#!/usr/bin/env -S node --max-semi-space-size=1").nodeFlags, ["--max-semi-space-size=1"]);
});

test("shebangs the bench could not reproduce are typed errors", () => {
  for (const bad of [
    "// no shebang",
    "#!/usr/bin/node",
    "#!/usr/bin/node --single-threaded",
    "#!/bin/env -S node",
    "#!/usr/bin/env node --single-threaded", // without -S env looks for a program "node --single-threaded"
    "#!/usr/bin/env -S A=1 python3",
    "#!/usr/bin/env -S A=1",
    "#!/usr/bin/env -S 1A=2 node",
    "#!/usr/bin/env -S =2 node",
    "#!/usr/bin/env -S A='2' node",
    "#!/usr/bin/env -S A=${B} node",
    "#!/usr/bin/env -S node script.js",
    "#!/usr/bin/env -S node -e 0",
    "#!/usr/bin/env -S node --flag # comment",
    "#!/usr/bin/env -i node",
    `#!/usr/bin/env -S node ${"--single-threaded ".repeat(8)}`,
  ]) {
    assert.throws(
      () => parseLauncherShebang(bad),
      (e: unknown) => e instanceof LauncherShebangError && e.code === "BENCH_LAUNCHER_SHEBANG",
      bad,
    );
  }
});

test("the installed command's shebang is one the bench reads, within the kernel's limit", () => {
  const first = readFileSync(LAUNCHER, "utf8").split("\n", 1)[0]!;
  assert.ok(Buffer.byteLength(first) <= MAX_SHEBANG_BYTES);
  parseLauncherShebang(first);
});

test("the command line is env, the variables, this node, the flags, the script", () => {
  const start = parseLauncherShebang("#!/usr/bin/env -S A=1 node --x");
  assert.deepEqual(launcherCommand(start, "/opt/node", "/s.js"), ["/usr/bin/env", "A=1", "/opt/node", "--x", "/s.js"]);
});

// The drift check: the kernel runs a copy of the real launcher (its shebang, no sources
// beside it, so it imports ../dist/bin.js), and the bench's command line runs the same
// stand-in dist/bin.js; both must see the same Node flags and the same environment, in one
// process (env execs Node: no parent left resident).
test("the bench starts dist/bin.js exactly as the installed command's shebang does", { skip: process.platform === "win32" }, () => {
  const dir = mkdtempSync(join(tmpdir(), "cv-shebang-"));
  try {
    mkdirSync(join(dir, "bin"));
    mkdirSync(join(dir, "dist"));
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
    copyFileSync(LAUNCHER, join(dir, "bin", "chatvault.js"));
    chmodSync(join(dir, "bin", "chatvault.js"), 0o755);
    const stub = join(dir, "dist", "bin.js");
    writeFileSync(
      stub,
      "process.stdout.write(JSON.stringify({ pid: process.pid, execArgv: process.execArgv, env: process.env, args: process.argv.slice(2) }));\n",
    );
    // `node` on PATH is this one, so the shebang's `node` and the bench's process.execPath agree.
    const env = { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: dir };
    const run = (argv: string[]) => {
      const r = spawnSync(argv[0]!, [...argv.slice(1), "a", "--b"], { env, encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      const seen = JSON.parse(r.stdout) as { pid: number; execArgv: string[]; env: Record<string, string>; args: string[] };
      assert.equal(seen.pid, r.pid, `${argv.join(" ")}: Node is the process started, not a child of it`);
      return { execArgv: seen.execArgv, env: seen.env, args: seen.args };
    };
    const installed = run([join(dir, "bin", "chatvault.js")]);
    const bench = run(compiledCliCommand(stub));
    assert.deepEqual(bench, installed);
    assert.deepEqual(installed.args, ["a", "--b"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
