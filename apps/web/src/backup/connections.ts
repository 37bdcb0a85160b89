/**
 * The two remote parties of a backup, both on the page's own origin: the storage API
 * (ciphertext only) and the key vault (through the server's `/vault` path). Both are
 * authenticated with the account token of this phone's session.
 */
import { HttpStorage } from "@chatvault/storage/http";
import { TEST_ONLY_WEAK_KEY_STRETCHING, VaultClient } from "@chatvault/vault-protocol";
import type { AppConfig } from "../platform/api.ts";
import type { Session } from "../platform/session.ts";

export interface Connections {
  storage: HttpStorage;
  vault: VaultClient;
  config: AppConfig;
}

export function connect(session: Session, config: AppConfig): Connections {
  const origin = globalThis.location.origin;
  return {
    config,
    storage: new HttpStorage({ baseUrl: `${origin}/api/storage`, token: session.token }),
    vault: new VaultClient({
      baseUrl: origin + config.vaultPath,
      token: session.token,
      // TEST ONLY (the server says so, and the page shows a banner): cheap password hashing.
      ...(config.testOnlyWeakKeyStretching ? { keyStretching: TEST_ONLY_WEAK_KEY_STRETCHING, allowWeakKeyStretching: true } : {}),
    }),
  };
}
