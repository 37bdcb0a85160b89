// Preloaded (NODE_OPTIONS=--import) into every process and thread the smoke test runs from
// the fresh project: appends each module file it resolves to $CHATVAULT_SMOKE_LOADS, so the
// harness can prove nothing was loaded from the workspace and no TypeScript ran.
import { appendFileSync } from "node:fs";
import { register } from "node:module";

const log = process.env.CHATVAULT_SMOKE_LOADS;
if (log) {
  const hook = `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (r.url.startsWith("file:")) appendFileSync(${JSON.stringify(log)}, r.url + "\\n");
  return r;
}`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
  // CommonJS dependencies (better-sqlite3, commander) load through require, not the ESM resolver.
  const Module = (await import("node:module")).default;
  const load = Module._load;
  Module._load = function (request, parent, isMain) {
    try {
      const file = Module._resolveFilename(request, parent, isMain);
      if (file.startsWith("/")) appendFileSync(log, `file://${file}\n`);
    } catch {
      /* let the real load report it */
    }
    return load.apply(this, arguments);
  };
}
