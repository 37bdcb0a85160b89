// Worker entry in the workspace only (installed packages run dist/node/db-source/snapshot-worker.js):
// register the `chatvault-source` condition and the TypeScript loader in this thread
// (loader hooks are per-thread on Node 20), then run the worker proper. See
// ../workers/chunk-worker-bootstrap.mjs.
import * as nodeModule from "node:module";
import { register } from "tsx/esm/api";

const condition = "export async function resolve(s, c, next) { return next(s, { ...c, conditions: [...c.conditions, 'chatvault-source'] }); }";
nodeModule.register(`data:text/javascript,${encodeURIComponent(condition)}`);
register();
await import("./snapshot-worker.ts");
