// One lint configuration for the whole workspace (eslint + typescript-eslint).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const nodeBuiltins = ["node:*", "fs", "path", "os", "crypto", "child_process", "net", "http", "https", "stream", "zlib", "util", "buffer", "worker_threads"];

export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/dist/**", "docs/api/**", "test-results/**", "bench/results/**", "bench/work/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        Buffer: "readonly",
        URL: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
        performance: "readonly",
        TextEncoder: "readonly",
        TextDecoder: "readonly",
        crypto: "readonly",
        fetch: "readonly",
        AbortController: "readonly",
        AbortSignal: "readonly",
        btoa: "readonly",
        atob: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "@typescript-eslint/no-explicit-any": "error",
      "no-constant-condition": ["error", { checkLoops: false }],
    },
  },
  {
    // Browser-safe code imports nothing from Node (the browser-safety test bundles it too).
    files: ["packages/format/src/**/*.ts", "packages/vault-protocol/src/**/*.ts", "packages/storage/src/**/*.ts"],
    ignores: [
      "packages/format/src/node.ts",
      "packages/format/src/vectors/browser-bundle.ts",
      "packages/format/src/vectors/vector-page.ts",
      "packages/storage/src/fs/**",
      "packages/vault-protocol/src/node/**",
      "packages/storage/src/s3/**",
      "packages/storage/src/conformance/**",
      "**/*.test.ts",
    ],
    rules: { "no-restricted-imports": ["error", { patterns: nodeBuiltins.map((n) => ({ group: [n], message: "browser-safe package: no Node imports" })) }] },
  },
);
