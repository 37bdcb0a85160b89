/**
 * Terminal prompts (@inquirer/prompts), loaded on first use: most runs are scripted and
 * never prompt, and the library costs ~100 ms to import. Prompts write to stderr, so
 * stdout stays the command's result even when a person is answering questions.
 */
const io = () => ({ output: process.stderr });
const lib = () => import("@inquirer/prompts");

/** Hidden input: nothing is echoed, not even stars. */
export async function askHidden(message: string, validate?: (v: string) => string | true): Promise<string> {
  return (await lib()).password({ message, mask: false, ...(validate ? { validate } : {}) }, io());
}

export async function askLine(message: string, fallback?: string): Promise<string> {
  return (await lib()).input({ message, ...(fallback ? { default: fallback } : {}) }, io());
}

export async function askYesNo(message: string, fallback = false): Promise<boolean> {
  return (await lib()).confirm({ message, default: fallback }, io());
}

export async function askChoice<T extends string>(message: string, choices: { name: string; value: T }[]): Promise<T> {
  return (await lib()).select<T>({ message, choices }, io());
}
