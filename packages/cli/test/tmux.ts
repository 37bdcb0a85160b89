/**
 * A real pseudo-terminal for prompt tests: the CLI runs in a tmux pane (its own tmux
 * server per test, so nothing else is touched); we type with send-keys and read the
 * screen with capture-pane, exactly what a person would see.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, REPO_ROOT } from "./support.ts";

export function tmuxAvailable(): boolean {
  return spawnSync("tmux", ["-V"]).status === 0;
}

const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export class Terminal {
  readonly #socket: string;
  constructor(
    readonly dir: string,
    name: string,
  ) {
    this.#socket = `chatvault-test-${process.pid}-${name}`;
  }

  #tmux(...args: string[]): string {
    return execFileSync("tmux", ["-L", this.#socket, ...args], { encoding: "utf8" });
  }

  /** Run `chatvault args…` in a fresh 160×50 pane; the pane prints EXIT:<code> when it ends. */
  start(args: string[], env: Record<string, string>): void {
    const script = join(this.dir, `run-${this.#socket}.sh`);
    const exports = Object.entries(env)
      .map(([k, v]) => `export ${k}=${sh(v)}`)
      .join("\n");
    // `trap true INT`: Ctrl-C reaches the CLI, while the shell survives to print EXIT (a
    // trap with a handler, unlike an ignored signal, is reset in the child).
    writeFileSync(
      script,
      `#!/bin/sh\ntrap true INT\ncd ${sh(REPO_ROOT)}\n${exports}\n${sh(process.execPath)} ${sh(BIN)} ${args.map(sh).join(" ")}\necho "EXIT:$?"\nsleep 600\n`,
      { mode: 0o700 },
    );
    this.#tmux("new-session", "-d", "-s", "t", "-x", "160", "-y", "50", script);
  }

  /** Type text literally (no key names). */
  type(text: string): void {
    this.#tmux("send-keys", "-t", "t", "-l", text);
  }

  /** Press keys by name: Enter, Down, C-c, BSpace… */
  press(...keys: string[]): void {
    this.#tmux("send-keys", "-t", "t", ...keys);
  }

  /** The visible screen plus scrollback. */
  screen(): string {
    return this.#tmux("capture-pane", "-p", "-t", "t", "-S", "-200");
  }

  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const m = pattern.exec(this.screen());
      if (m) return m;
      if (Date.now() > end) throw new Error(`timed out waiting for ${pattern}; screen:\n${this.screen()}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Wait for the command to end; its exit code. */
  async exitCode(timeoutMs = 60_000): Promise<number> {
    return Number((await this.waitFor(/EXIT:(\d+)/, timeoutMs))[1]);
  }

  close(): void {
    spawnSync("tmux", ["-L", this.#socket, "kill-server"]);
  }
}
