// Worker entry in the workspace only (installed packages run dist/node/workers/chunk-worker.js):
// register the TypeScript loader in this thread (loader hooks are
// per-thread on Node 20), then run the worker proper.
import { register } from "tsx/esm/api";

register();
await import("./chunk-worker.ts");
