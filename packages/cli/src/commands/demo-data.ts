/**
 * `chatvault demo-data`: a realistic demo chat history (SQLite message store + media) to
 * try backups with, and `--mutate DIR` for "a day later" (new messages and media).
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { DemoDataError, generateDemoData, mutateDemoData } from "@chatvault/demo-data";
import { UsageError } from "../cli-error.ts";
import { nonNegativeNumber, outputOf, positiveInt } from "../options.ts";
import { formatBytes } from "../output.ts";

interface DemoFlags {
  out?: string;
  mutate?: string;
  messages?: number;
  mediaMib?: number;
  mediaFiles?: number;
  seed: string;
}

const integer =
  (name: string) =>
  (v: string): number => {
    const n = nonNegativeNumber(name)(v);
    if (!Number.isInteger(n)) throw new UsageError(`${name} must be a whole number`);
    return n;
  };

/** "7" and 7 are the same seed to a person; the generator distinguishes them. */
const seedOf = (s: string): number | string => (/^\d{1,15}$/.test(s) ? Number(s) : s);

export function registerDemoData(program: Command): void {
  program
    .command("demo-data")
    .description("generate a demo chat history (--out), or add a day of activity to one (--mutate)")
    .option("--out <dir>", "create msgstore.db and media/ in this folder")
    .option("--mutate <dir>", "add new messages and media to a folder made by --out")
    .option("--messages <n>", "messages to generate (--out, default 2000) or to add (--mutate, default 200)", positiveInt("--messages"))
    .option("--media-mib <m>", "--out: total media size in MiB (default 2)", nonNegativeNumber("--media-mib"))
    .option("--media-files <k>", "--mutate: new media files (default 2)", integer("--media-files"))
    .option("--seed <s>", "same seed, same data", "1")
    .action(async (flags: DemoFlags, command: Command) => {
      const out = outputOf(command);
      if (!!flags.out === !!flags.mutate) throw new UsageError("pass exactly one of --out DIR or --mutate DIR");
      try {
        if (flags.out) {
          const s = await generateDemoData({
            outDir: resolve(flags.out),
            messages: flags.messages ?? 2000,
            mediaMiB: flags.mediaMib ?? 2,
            seed: seedOf(flags.seed),
          });
          out.result(
            {
              dir: s.dir,
              db: s.dbPath,
              media: s.mediaDir,
              messages: s.messages,
              chats: s.chats,
              mediaFiles: s.mediaFiles,
              mediaBytes: s.mediaBytes,
              dbBytes: s.dbBytes,
            },
            [
              `Demo chats in ${s.dir}: ${s.messages} messages in ${s.chats} chats (${formatBytes(s.dbBytes)}), ${s.mediaFiles} media files (${formatBytes(s.mediaBytes)}).`,
              `  database ${s.dbPath}`,
              `  media    ${s.mediaDir}`,
            ],
          );
        } else {
          const dir = resolve(flags.mutate!);
          const m = await mutateDemoData({ dir, messages: flags.messages ?? 200, mediaFiles: flags.mediaFiles ?? 2, seed: seedOf(flags.seed) });
          out.result({ dir, ...m }, [`Added ${m.messagesAdded} messages and ${m.mediaFiles.length} media files (${formatBytes(m.mediaBytes)}) to ${dir}.`]);
        }
      } catch (e) {
        // Bad sizes, an existing msgstore.db, a folder that is not demo data: fix the command line.
        if (e instanceof DemoDataError || e instanceof RangeError) throw new UsageError(e.message);
        throw e;
      }
    });
}
