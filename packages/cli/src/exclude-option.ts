/** `backup --exclude <glob>`, repeatable: each pattern is checked when parsed, so a bad one is a usage error (exit 2). */
import { InvalidArgumentError } from "commander";
import { ExcludePatternError, ExcludeRules } from "@chatvault/sdk/core";

export function collectExclude(v: string, prev: string[] = []): string[] {
  try {
    new ExcludeRules([v]);
  } catch (e) {
    if (e instanceof ExcludePatternError) throw new InvalidArgumentError(e.message);
    throw e;
  }
  return [...prev, v];
}
