/**
 * The sealer factory (spec/vault-protocol.md §10.3): opens the configured KEK. Kept
 * apart from the interface in `sealer.ts`, which both implementations import; each
 * implementation is loaded only when configured (the PKCS#11 one needs a native module).
 */
import type { OpenSealerOptions, Sealer, SealerConfig } from "./sealer.ts";

export async function openSealer(config: SealerConfig, options: OpenSealerOptions): Promise<Sealer> {
  if (config.kind === "keyfile") {
    const { openKeyFileSealer } = await import("./key-file-sealer.ts");
    return openKeyFileSealer(config.path, options);
  }
  const { openPkcs11Sealer } = await import("./pkcs11-sealer.ts");
  return openPkcs11Sealer(config, options);
}
