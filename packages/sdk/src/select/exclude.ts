/**
 * Exclude patterns for media (docs/cli.md, "backup --exclude"): glob patterns matched
 * against a media file's path relative to the media folder, `/`-separated.
 *
 * * `*` matches any characters except `/`; `?` one character except `/`; `**` as a whole
 *   path segment matches any number of segments (also none); `\` makes the next character
 *   literal. Matching is case-sensitive.
 * * A pattern without `/` matches a name at any depth: the file's own name or the name of
 *   any folder it is in (`*.mp4`, `cache`).
 * * A pattern with `/` is anchored at the media folder (a leading `/` is allowed): it
 *   matches the file's path or the path of any folder it is in (`Video/**`, `/tmp`,
 *   `Sent/*.mp4`).
 *
 * Browser-safe: the web app's "Include videos" uses the same rules.
 */
import { ChatvaultError } from "@chatvault/format";

/** A pattern that cannot be used (empty, too long, a trailing lone `\`). Fix the pattern; retrying does not help. */
export class ExcludePatternError extends ChatvaultError {
  constructor(message: string) {
    super("invalid_exclude", message);
  }
}

interface Compiled {
  source: string;
  anchored: boolean;
  re: RegExp;
}

const REGEX_SPECIAL = /[.*+?^${}()|[\]\\]/;

function compile(pattern: string): Compiled {
  if (pattern === "" || pattern === "/") throw new ExcludePatternError("an exclude pattern must not be empty");
  if (pattern.length > 1024) throw new ExcludePatternError("an exclude pattern is at most 1024 characters");
  if (pattern.includes("\0")) throw new ExcludePatternError("an exclude pattern must not contain NUL");
  let p = pattern.endsWith("/") ? pattern.slice(0, -1) : pattern;
  const anchored = p.includes("/");
  if (p.startsWith("/")) p = p.slice(1);
  let re = "";
  const segments = p.split("/");
  segments.forEach((seg, i) => {
    const last = i === segments.length - 1;
    if (seg === "**") {
      re += last ? ".*" : "(?:[^/]*/)*";
      return;
    }
    for (let j = 0; j < seg.length; j++) {
      const c = seg[j]!;
      if (c === "\\") {
        const next = seg[++j];
        if (next === undefined) throw new ExcludePatternError(`exclude pattern "${pattern}" ends with a lone \\`);
        re += REGEX_SPECIAL.test(next) ? `\\${next}` : next;
      } else if (c === "*") re += "[^/]*";
      else if (c === "?") re += "[^/]";
      else re += REGEX_SPECIAL.test(c) ? `\\${c}` : c;
    }
    if (!last) re += "/";
  });
  return { source: pattern, anchored, re: new RegExp(`^${re}$`, "s") };
}

/** A compiled set of exclude patterns. Throws ExcludePatternError for an unusable pattern. */
export class ExcludeRules {
  readonly patterns: readonly string[];
  readonly #compiled: Compiled[];

  constructor(patterns: readonly string[]) {
    this.patterns = [...patterns];
    this.#compiled = patterns.map(compile);
  }

  /** The pattern that excludes `path` (relative, `/`-separated), or undefined when it is kept. */
  match(path: string): string | undefined {
    if (this.#compiled.length === 0) return undefined;
    const segs = path.split("/");
    for (const c of this.#compiled) {
      if (c.anchored) {
        for (let n = 1; n <= segs.length; n++) if (c.re.test(segs.slice(0, n).join("/"))) return c.source;
      } else if (segs.some((s) => c.re.test(s))) return c.source;
    }
    return undefined;
  }

  excludes(path: string): boolean {
    return this.match(path) !== undefined;
  }
}
