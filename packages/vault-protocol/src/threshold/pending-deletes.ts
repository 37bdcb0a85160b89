/**
 * Pending deletes (spec/threshold-vault.md §6.7): realms that were down when the user turned
 * password protection off still hold their (useless alone) shares. The client remembers
 * them and deletes at the next operation that holds K and reaches the realm.
 */
import type { RegistrationRef } from "./wire.ts";

export interface PendingDelete {
  realmId: string;
  url: string;
  /**
   * The registrations being turned off (every ref any realm reported at that time). Only a
   * realm still holding one of these is deleted later: a realm re-enabled since is left alone.
   */
  targets: RegistrationRef[];
}

/** Durable store (the CLI keeps it beside the repository config; the web app in IndexedDB). */
export interface PendingDeletes {
  list(): Promise<PendingDelete[]>;
  add(d: PendingDelete): Promise<void>;
  remove(realmId: string): Promise<void>;
}

export class MemoryPendingDeletes implements PendingDeletes {
  #items = new Map<string, PendingDelete>();
  async list(): Promise<PendingDelete[]> {
    return [...this.#items.values()];
  }
  async add(d: PendingDelete): Promise<void> {
    this.#items.set(d.realmId, d);
  }
  async remove(realmId: string): Promise<void> {
    this.#items.delete(realmId);
  }
}
