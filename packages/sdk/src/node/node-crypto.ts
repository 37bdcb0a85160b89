/**
 * Switches the format to the node:crypto backend (same bytes, faster) as a side effect
 * of being imported. Every Node entry point of the SDK (`./node` and its per-operation
 * sub-entries) imports this first, so whichever one a program loads, it gets the fast
 * backend — a backup no longer has to load restore or demo-data to get it.
 */
import { useNodeCrypto } from "@chatvault/format/node";

useNodeCrypto();
