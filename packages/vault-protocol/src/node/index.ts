/** Node-only parts of the vault protocol client (the rest of the package is browser-safe). */
export { nativeArgon2id, hasNativeArgon2id } from "./argon2.ts";
