/** A description of the machine the numbers come from, for the results file. */
import { spawnSync } from "node:child_process";
import { cpus, loadavg, totalmem } from "node:os";
import type { Machine } from "./results.ts";

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : "";
}

export function describeMachine(path: string, tools: Record<string, string | null>): Machine {
  const mount = sh("findmnt", ["-n", "-o", "SOURCE,FSTYPE,OPTIONS", "--target", path]).split(/\s+/);
  const dev = mount[0] ?? "?";
  const base = dev.replace(/^\/dev\//, "").replace(/p?\d+$/, "");
  const info = sh("lsblk", ["-d", "-n", "-o", "SIZE,ROTA,MODEL", `/dev/${base}`])
    .split(/\s+/)
    .filter(Boolean);
  const rota = info[1] === "1" ? "rotational" : info[1] === "0" ? "non-rotational" : "";
  const pretty = sh("sh", ["-c", '. /etc/os-release && echo "$PRETTY_NAME"']);
  return {
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    cores: cpus().length,
    memory_gib: totalmem() / 1024 ** 3,
    node: process.version,
    os: `${pretty || process.platform} (${sh("uname", ["-r"])})`,
    disk: [dev, mount[1], info[0], rota, info.slice(2).join(" ")].filter(Boolean).join(", "),
    load_average_at_start: loadavg(),
    tools,
  };
}
