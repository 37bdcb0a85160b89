// A stand-in restore worker that dies on its first request (restore-workers.test.ts): the
// restore must fail with WorkerStoppedError and leave nothing in place.
import { parentPort } from "node:worker_threads";

parentPort.on("message", () => process.exit(7));
