// Worker entry: register the TypeScript loader in this thread (loader hooks are
// per-thread on Node 20), then run the worker proper.
import { register } from "tsx/esm/api";

register();
await import("./chunk-worker.ts");
