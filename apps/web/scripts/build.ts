/** `npm run build -w apps/web`: always rebuilds apps/web/dist. */
import { buildWebApp } from "./build-app.ts";

const out = await buildWebApp({ force: true, onNote: (l) => process.stderr.write(l + "\n") });
process.stdout.write(`built ${out}\n`);
