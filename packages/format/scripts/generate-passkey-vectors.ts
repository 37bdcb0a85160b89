/**
 * Writes spec/vectors/passkey.json (spec/backup-format.md §13): wraps and unwraps of the
 * root key under a fixed PRF output, and every malformation a reader must reject.
 * Deterministic (fixed inputs, injected nonce); passkey-vectors.test.ts checks that this
 * reproduces the committed file byte for byte.
 *
 *   node --import tsx packages/format/scripts/generate-passkey-vectors.ts
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { webCryptoBackend } from "../src/backend.ts";
import { toHex } from "../src/bytes.ts";
import { encodePasskeyWrap, passkeyObjectName, wrapRootKeyForPasskey } from "../src/passkey-wrap.ts";
import { RootKey } from "../src/secret.ts";
import type { PasskeyVector, PasskeyVectorFile } from "../src/vectors/run-passkey-vectors.ts";
import { vectorsDir } from "./generate-vectors.ts";

const seq = (n: number, from = 0) => Uint8Array.from({ length: n }, (_, i) => (from + i) & 255);
const REPO = "0123456789abcdef0123456789abcdef";
const ROOT = seq(32, 0x40);
const PRF = seq(32, 0xa0);
const SALT = seq(32, 0x10);
const NONCE = seq(12, 0xc0);
const CRED = seq(16, 0x70);

export async function generatePasskeyVectors(): Promise<string> {
  const backend = webCryptoBackend();
  const wrap = async (credentialId: Uint8Array, o: { root?: Uint8Array; prf?: Uint8Array; salt?: Uint8Array; nonce?: Uint8Array; repo?: string } = {}) => {
    const nonce = o.nonce ?? NONCE;
    const w = await wrapRootKeyForPasskey({
      rootKey: new RootKey((o.root ?? ROOT).slice()),
      prfOutput: o.prf ?? PRF,
      prfSalt: o.salt ?? SALT,
      repoId: o.repo ?? REPO,
      credentialId,
      backend,
      random: () => nonce.slice(),
    });
    return encodePasskeyWrap(w);
  };
  const success = async (name: string, credentialId: Uint8Array, o: Parameters<typeof wrap>[1] = {}): Promise<PasskeyVector> => ({
    name,
    op: "wrap",
    repo_id: o.repo ?? REPO,
    root_key: toHex(o.root ?? ROOT),
    prf_output: toHex(o.prf ?? PRF),
    credential_id: toHex(credentialId),
    prf_salt: toHex(o.salt ?? SALT),
    nonce: toHex(o.nonce ?? NONCE),
    object: toHex(await wrap(credentialId, o)),
    object_name: await passkeyObjectName(credentialId, backend),
    expected: "success",
  });
  const good = await wrap(CRED);
  const fail = (name: string, object: Uint8Array, reason: string, o: { prf?: Uint8Array; repo?: string } = {}): PasskeyVector => ({
    name,
    op: "unwrap",
    repo_id: o.repo ?? REPO,
    prf_output: toHex(o.prf ?? PRF),
    object: toHex(object),
    expected: { error: "integrity", reason },
  });
  const flip = (b: Uint8Array, at: number) => {
    const c = b.slice();
    c[at] = c[at]! ^ 1;
    return c;
  };
  // The same wrap presented under another credential ID (header re-encoded by hand).
  const swapped = good.slice();
  swapped.set(seq(16, 0x71), 6);
  const vectors: PasskeyVector[] = [
    await success("16-byte credential ID", CRED),
    await success("1-byte credential ID", Uint8Array.of(7)),
    await success("255-byte credential ID", seq(255, 3)),
    await success("other root key, PRF output and salt", CRED, {
      root: new Uint8Array(32).fill(0xff),
      prf: new Uint8Array(32),
      salt: new Uint8Array(32).fill(0x5a),
    }),
    fail("another passkey's PRF output", good, "auth_failed", { prf: seq(32, 0xa1) }),
    fail("another repository", good, "auth_failed", { repo: "fedcba9876543210fedcba9876543210" }),
    fail("wrapped key modified", flip(good, good.length - 20), "auth_failed"),
    fail("tag modified", flip(good, good.length - 1), "auth_failed"),
    fail("PRF salt modified", flip(good, 6 + 16), "auth_failed"),
    fail("nonce modified", flip(good, 6 + 16 + 32), "auth_failed"),
    fail("credential ID swapped", swapped, "auth_failed"),
    fail("cut by one byte", good.slice(0, -1), "truncated"),
    fail("one byte extra", Uint8Array.from([...good, 0]), "trailing_data"),
    fail("bad magic", flip(good, 0), "bad_magic"),
    fail("version 2", Uint8Array.from([...good.slice(0, 4), 2, ...good.slice(5)]), "unsupported_version"),
    fail("empty credential ID", Uint8Array.from([...good.slice(0, 5), 0, ...good.slice(22)]), "bad_structure"),
    fail("header only", good.slice(0, 5), "too_short"),
    fail("empty", new Uint8Array(0), "too_short"),
  ];
  const file: PasskeyVectorFile = {
    file: "passkey",
    spec: "spec/backup-format.md §13",
    description:
      "The root key wrapped under a key derived from a passkey's WebAuthn PRF output (fixed PRF output, salt and nonce); unwrap failures and malformed passkey key objects.",
    vectors,
  };
  return JSON.stringify(file, null, 2) + "\n";
}

export const passkeyVectorsPath = join(vectorsDir, "passkey.json");

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  writeFileSync(passkeyVectorsPath, await generatePasskeyVectors());
  console.log(`wrote ${passkeyVectorsPath}`);
}
