/**
 * The shape of bench/results/latest.json. One row per tool × operation; numbers that
 * were not measured are null with a reason, never invented.
 */

export type Tool = "chatvault" | "restic" | "borg";
export type Operation = "full" | "nochange" | "incremental" | "restore";
export const TOOLS: readonly Tool[] = ["chatvault", "restic", "borg"];
export const OPERATIONS: readonly Operation[] = ["full", "nochange", "incremental", "restore"];

export interface EngineRow {
  tool: Tool;
  operation: Operation;
  /** false: the tool was not available or failed; `reason` says why, every number is null. */
  measured: boolean;
  reason?: string;
  /** Wall time until the result is durable (the tool's command, then `sync -f` on its target). */
  wall_s: { min: number; median: number } | null;
  /** Every run's wall time, in run order. */
  samples_s: number[];
  /** The command alone, without the final `sync -f` (what a user waits for at the prompt). */
  command_s: { min: number; median: number } | null;
  /** Corpus bytes (restore: restored bytes) ÷ median wall time, decimal MB/s. */
  mb_per_s: number | null;
  /** Largest resident set of the whole process tree seen in any run, MiB. */
  peak_rss_mib: number | null;
  /** Bytes the operation added to the repository (median over runs); null for restore. */
  bytes_stored: number | null;
  /** Incremental rows only: changed DB pages + new media bytes of the day. */
  physical_minimum_bytes?: number;
  /** Restore rows only: every restored file matched the source by sha256, in every run. */
  verified?: boolean;
}

export interface Ceilings {
  /** node:crypto AES-256-GCM seal of 1 MiB buffers, one core, MiB/s. */
  aes_gcm_mib_s: number;
  /** The same on 64 KiB pieces (one cipher context each), the size sealObject is given. */
  aes_gcm_64k_mib_s: number;
  sha256_mib_s: number;
  /** chatvault sealObject on 64 KiB chunks of a 1 MiB buffer, MiB/s, and ÷ aes_gcm. */
  seal_object_mib_s: number;
  seal_object_ratio: number;
  /**
   * The backup's chunk path: sealObjectParts on the same chunks (the pieces as the cipher
   * made them; the backup copies them once into its part, as it copied sealObject's
   * output), MiB/s, and ÷ aes_gcm. Absent in results from before it was measured.
   */
  seal_chunk_mib_s?: number;
  seal_chunk_ratio?: number;
  /**
   * The chunk path at the media chunk size new repositories use (`seal_chunk_new_bytes`,
   * NEW_REPOSITORY_CHUNKER.avg, spec §7.1), MiB/s, and ÷ aes_gcm: what the sealing target
   * reads. Absent in results from before new repositories' chunks grew.
   */
  seal_chunk_new_bytes?: number;
  seal_chunk_new_mib_s?: number;
  seal_chunk_new_ratio?: number;
  /** chatvault STREAM seal / open of 1 MiB, MiB/s, and ÷ aes_gcm. */
  seal_stream_mib_s: number;
  seal_stream_ratio: number;
  open_stream_mib_s: number;
  open_stream_ratio: number;
  /** Keyed FastCDC chunker over 1 MiB buffers, MiB/s, and ÷ aes_gcm. */
  chunker_mib_s: number;
  chunker_ratio: number;
  /** Sequential write (fdatasync) and read (O_DIRECT, bypassing the page cache) of the bench disk, MiB/s. */
  /** The faster of the two below: the durable write rate no tool passes here. */
  disk_write_mib_s: number | null;
  /** Through the page cache, then fdatasync (the only figure before 2026-12-04). */
  disk_write_buffered_mib_s?: number | null;
  /** With `O_DIRECT` from page-aligned memory, then fdatasync. */
  disk_write_direct_mib_s?: number | null;
  disk_read_mib_s: number | null;
  /** @serenity-kit/opaque server startLogin + finishLogin, logins/s on one core. */
  opaque_logins_per_s_core: number | null;
}

export interface VaultRow {
  backend: "sqlite" | "postgres";
  nodes: number;
  concurrency: number;
  measured: boolean;
  reason?: string;
  unlocks: number;
  errors: number;
  seconds: number;
  unlocks_per_s: number | null;
  p50_ms: number | null;
  p99_ms: number | null;
  /** unlocks_per_s ÷ (OPAQUE ceiling per core × cores). */
  ceiling_ratio: number | null;
  /**
   * "peak": closed loop at `concurrency`, as fast as it goes. "half": open loop at half
   * the two-core OPAQUE ceiling (the target's load). "half-peak": open loop at half the
   * best peak measured, when that is lower (latency at a load this machine sustains).
   */
  load: "peak" | "half" | "half-peak";
  /** Open loop: the offered rate, unlocks/s. */
  offered_per_s?: number;
  /** CPU the load generator itself used, in cores (it shares the two cores with the vault). */
  loadgen_cpu_cores?: number | null;
  /** CPU the vault processes used, in cores. */
  vault_cpu_cores?: number | null;
  /** Unlocks per CPU-second of the vault ÷ the one-core OPAQUE ceiling: the vault's efficiency, whoever else uses the cores. */
  cpu_efficiency?: number | null;
}

export interface Corpus {
  messages: number;
  media_mib: number;
  db_bytes: number;
  media_bytes: number;
  media_files: number;
  total_bytes: number;
  /** Generating the corpus (demo-data), wall seconds and CPU seconds of the bench process. Absent in older results. */
  generate_s?: number;
  generate_cpu_s?: number;
  day: {
    messages: number;
    media_files: number;
    media_bytes: number;
    page_size: number;
    changed_pages: number;
    changed_page_bytes: number;
    physical_minimum_bytes: number;
  } | null;
}

/** Free space of the bench's disk during the engine part (statfs, what `df` calls Avail). */
export interface DiskUse {
  free_at_start_bytes: number;
  lowest_free_bytes: number;
  /** The step after which the free space was lowest. */
  lowest_free_after: string;
  /** bench/disk.ts's estimate of the peak, checked before the run. */
  planned_peak_bytes?: number;
}

export interface Machine {
  cpu: string;
  cores: number;
  memory_gib: number;
  node: string;
  os: string;
  disk: string;
  load_average_at_start: number[];
  /** Filled in when the run ends: how busy the machine was by then. */
  load_average_at_end?: number[];
  tools: Record<string, string | null>;
}

export interface TargetResult {
  id: string;
  target: string;
  /** The measured value in the target's own terms (e.g. the speed-up). */
  value: number | null;
  threshold: number;
  /** null: not measurable in this run (a peer or the vault missing). */
  met: boolean | null;
  detail: string;
}

export interface Results {
  schema: 1;
  started: string;
  finished: string;
  size: string;
  runs: number;
  machine: Machine;
  corpus: Corpus | null;
  ceilings: Ceilings | null;
  rows: EngineRow[];
  vault: VaultRow[];
  /** Threshold realms vs the single vault (bench/vault-realms.ts); absent when the vault part did not run. */
  realms?: import("./vault-realms.ts").RealmBench | null;
  /** Process start-up, min of 5 runs, seconds, by command (e.g. "chatvault --version"). */
  startup?: Record<string, number | null>;
  /** Free disk during the engine part; absent in older results. */
  disk?: DiskUse;
  /** Growth against another corpus size's results (`--compare`); absent without it. */
  growth?: import("./growth.ts").Growth | null;
  targets: TargetResult[];
  notes: string[];
}
