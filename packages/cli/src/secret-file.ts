/** Writing a new secret (64-digit key, account token) to a file: mode 0600, never over an existing file. */
import { writeFile } from "node:fs/promises";
import { describeErrno } from "@chatvault/sdk/node/core";
import { CliError, UsageError } from "./cli-error.ts";
import { EXIT } from "./exit-codes.ts";

export async function writeNewSecretFile(path: string, text: string, what = "file"): Promise<void> {
  try {
    await writeFile(path, text, { mode: 0o600, flag: "wx" });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") throw new CliError(EXIT.targetExists, "target_exists", `${path} already exists; refusing to overwrite a ${what}`);
    throw new UsageError(`cannot write the ${what} ${path}: ${describeErrno(e)}`);
  }
}
