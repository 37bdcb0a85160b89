/**
 * status — whether a record exists, attempts remaining, lock, recent attempts
 * (spec/vault-protocol.md §5.6). Spends no guess.
 */
import type { OperationContext } from "../context.ts";
import type { StatusResponse } from "../wire.ts";

export function status(ctx: OperationContext): Promise<StatusResponse> {
  return ctx.transport.status();
}
