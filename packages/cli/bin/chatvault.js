#!/usr/bin/env node
// Launcher: the CLI is TypeScript run by tsx (no build step in this workspace). tsx is
// resolved from this file's location, so this works from any cwd and through `npx chatvault`.
import { register } from "tsx/esm/api";

register();
await import("../src/bin.ts");
