/**
 * Runs spec/vectors/passkey.json (spec/backup-format.md §13) on a crypto backend. Browser-
 * safe: passkey-vectors.test.ts runs it in Node on both backends, and in Chromium.
 */
import type { CryptoBackend, RandomSource } from "../backend.ts";
import { equalBytes, fromHex, toHex } from "../bytes.ts";
import { IntegrityError } from "../errors.ts";
import { decodePasskeyWrap, encodePasskeyWrap, passkeyObjectName, unwrapRootKeyWithPasskey, wrapRootKeyForPasskey } from "../passkey-wrap.ts";
import { RootKey } from "../secret.ts";

export interface PasskeyVector {
  name: string;
  /** "wrap": seal with the given nonce and compare; "unwrap": decode `object` and open it with `prf_output`. */
  op: "wrap" | "unwrap";
  repo_id: string;
  prf_output: string;
  root_key?: string;
  credential_id?: string;
  prf_salt?: string;
  nonce?: string;
  object: string;
  object_name?: string;
  expected: "success" | { error: "integrity"; reason: string };
}

export interface PasskeyVectorFile {
  file: "passkey";
  spec: string;
  description: string;
  vectors: PasskeyVector[];
}

export interface PasskeyVectorResult {
  name: string;
  ok: boolean;
  detail: string;
}

async function runOne(v: PasskeyVector, backend: CryptoBackend): Promise<void> {
  const object = fromHex(v.object);
  if (v.op === "wrap") {
    const nonce = fromHex(v.nonce!);
    const random: RandomSource = (n) => {
      if (n !== nonce.length) throw new Error(`asked for ${n} random bytes`);
      return nonce.slice();
    };
    const w = await wrapRootKeyForPasskey({
      rootKey: new RootKey(fromHex(v.root_key!)),
      prfOutput: fromHex(v.prf_output),
      prfSalt: fromHex(v.prf_salt!),
      repoId: v.repo_id,
      credentialId: fromHex(v.credential_id!),
      backend,
      random,
    });
    const bytes = encodePasskeyWrap(w);
    if (!equalBytes(bytes, object)) throw new Error(`wrap gave ${toHex(bytes)}`);
    const name = await passkeyObjectName(fromHex(v.credential_id!), backend);
    if (name !== v.object_name) throw new Error(`object name ${name}`);
  }
  const wrap = decodePasskeyWrap(object, v.object_name);
  if (!equalBytes(encodePasskeyWrap(wrap), object)) throw new Error("decode ∘ encode is not the identity");
  const root = await unwrapRootKeyWithPasskey({ wrap, prfOutput: fromHex(v.prf_output), repoId: v.repo_id, backend });
  if (v.root_key && toHex(root.unsafeBytes()) !== v.root_key) throw new Error("unwrapped another root key");
}

export async function runPasskeyVectors(file: PasskeyVectorFile, backend: CryptoBackend): Promise<PasskeyVectorResult[]> {
  const out: PasskeyVectorResult[] = [];
  for (const v of file.vectors) {
    try {
      await runOne(v, backend);
      out.push(v.expected === "success" ? { name: v.name, ok: true, detail: "success" } : { name: v.name, ok: false, detail: "succeeded, expected a failure" });
    } catch (e) {
      if (v.expected === "success") out.push({ name: v.name, ok: false, detail: String(e) });
      else if (e instanceof IntegrityError && e.reason === v.expected.reason) out.push({ name: v.name, ok: true, detail: e.reason });
      else out.push({ name: v.name, ok: false, detail: `expected ${v.expected.reason}, got ${e instanceof IntegrityError ? e.reason : String(e)}` });
    }
  }
  return out;
}
