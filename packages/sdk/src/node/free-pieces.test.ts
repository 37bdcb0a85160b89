import { test } from "node:test";
import assert from "node:assert/strict";
import { createCipheriv, randomBytes } from "node:crypto";
import { Worker } from "node:worker_threads";
import { freePieces, freesPieces } from "../backup/free-pieces.ts";
import { beforeSealing, freeCopiedPiecesAtOnce } from "./young-generation.ts";

// Process-wide, as the CLI asks for it and a backup turns it on: every test below runs with it.
freeCopiedPiecesAtOnce();
beforeSealing();

test("freeCopiedPiecesAtOnce: this thread and a worker started after it can free pieces", async () => {
  assert.equal(freesPieces(), true);
  const worker = new Worker("require('node:worker_threads').parentPort.postMessage(typeof ArrayBuffer.prototype.transfer)", { eval: true });
  const [kind] = (await new Promise((resolve) => worker.once("message", (m) => resolve([m])))) as [string];
  await worker.terminate();
  assert.equal(kind, "function");
});

test("freePieces: a Cipher.update output is emptied at once; small pieces, views and Buffer pool slices are left alone", () => {
  const c = createCipheriv("aes-256-gcm", randomBytes(32), randomBytes(12));
  const piece = c.update(randomBytes(65536));
  const page = c.update(randomBytes(2500)); // a sealed page's size: freed too
  const header = new Uint8Array(13);
  const tag = c.final().length === 0 ? c.getAuthTag() : new Uint8Array(16);
  const whole = new Uint8Array(8192);
  const view = whole.subarray(0, 4096); // part of a larger buffer: someone else's bytes
  const pooled = Buffer.from("a short string from the shared pool");
  const neighbour = Buffer.from("another slice of the same pool");
  freePieces([piece, page, header, tag, view, pooled]);
  assert.equal(piece.byteLength, 0);
  assert.equal(page.byteLength, 0);
  assert.equal(header.byteLength, 13);
  assert.equal(tag.byteLength, 16);
  assert.equal(view.byteLength, 4096);
  assert.equal(whole.byteLength, 8192);
  assert.equal(pooled.toString(), "a short string from the shared pool");
  assert.equal(neighbour.toString(), "another slice of the same pool");
});
