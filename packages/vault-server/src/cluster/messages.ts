/** IPC messages between a cluster primary and its vault workers. */
import type { VaultServerConfig } from "../config.ts";
import type { MetricsSnapshot } from "../metrics.ts";

export type PrimaryToWorker =
  | { type: "vault:config"; config: VaultServerConfig }
  | { type: "vault:shutdown" }
  | { type: "vault:metrics-collect"; id: number }
  | { type: "vault:metrics-result"; id: number; text: string };

export type WorkerToPrimary =
  | { type: "vault:ready" }
  | { type: "vault:listening"; url: string }
  | { type: "vault:startup-error"; code: string | undefined; message: string }
  | { type: "vault:metrics-request"; id: number }
  | { type: "vault:metrics-snapshot"; id: number; snapshot: MetricsSnapshot };

export function isMessage<T extends { type: string }>(m: unknown): m is T {
  return typeof m === "object" && m !== null && typeof (m as { type?: unknown }).type === "string" && (m as { type: string }).type.startsWith("vault:");
}
