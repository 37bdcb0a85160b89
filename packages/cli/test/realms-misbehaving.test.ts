/**
 * Realms mode with a misbehaving realm (spec/threshold-vault.md §6.3): realm 2 is reached
 * through a proxy that, once switched on, answers every evaluation (evaluate or start) with a wrong element
 * (its VOPRF proof then fails). With two honest realms the CLI still restores and names
 * realm 2; with only one honest realm left it exits 6 naming realm 2.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { tempDir } from "@chatvault/testkit";
import { startRealms } from "@chatvault/vault-server/testing";
import { EXIT } from "../src/exit-codes.ts";
import { machine, writeSecret } from "./support.ts";

/** Pass everything to `target`; when `lie.on`, replace an evaluation's element by the blinded input (a valid point, the wrong one). */
async function lyingProxy(target: string, lie: { on: boolean }): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks);
      const headers: Record<string, string> = {};
      for (const h of ["authorization", "content-type", "accept"]) if (typeof req.headers[h] === "string") headers[h] = req.headers[h] as string;
      const answer = await fetch(target + req.url, { method: req.method!, headers, ...(body.length ? { body } : {}) });
      let text = await answer.text();
      if (lie.on && req.url === "/realm/v1/recover/evaluate" && answer.ok) {
        const j = JSON.parse(text) as { evaluated: string };
        j.evaluated = (JSON.parse(body.toString()) as { blinded: string }).blinded;
        text = JSON.stringify(j);
      }
      // A warm CLI (the unlock hint, spec §6.2.1) gets its evaluation from recover/start: the same lie there.
      if (lie.on && req.url === "/realm/v1/recover/start" && answer.ok) {
        const j = JSON.parse(text) as { evaluation: { evaluated: string } | null };
        if (j.evaluation) j.evaluation.evaluated = (JSON.parse(body.toString()) as { blinded: string }).blinded;
        text = JSON.stringify(j);
      }
      res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" }).end(text);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

test("realms mode: a realm answering wrong evaluations is named; restore works with 2 honest, exits 6 with 1", { timeout: 300_000 }, async (t) => {
  const realms = await startRealms(t, [{}, {}, {}]);
  if (!realms) return;
  t.after(() => Promise.all(realms.map((r) => r.kill())));
  const lie = { on: false };
  const proxy = await lyingProxy(realms[1]!.nodes[0]!.url, lie);
  t.after(() => new Promise<void>((r) => proxy.server.close(() => r())));
  const dir = tempDir(t, "chatvault-cli-realms-bad-");
  const urls = [realms[0]!.nodes[0]!.url, proxy.url, realms[2]!.nodes[0]!.url];
  const realmsFile = join(dir, "realms.json");
  writeFileSync(
    realmsFile,
    JSON.stringify({
      threshold: 2,
      realms: await Promise.all(realms.map(async (r, i) => ({ url: urls[i]!, tokenFile: writeSecret(join(dir, `r${i}.token`), await r.token("dave")) }))),
    }),
  );
  const pw = writeSecret(join(dir, "pw.txt"), "correct horse battery staple");
  const repo = join(dir, "repo");
  const m = machine(dir, "m", { CHATVAULT_INSECURE_TEST_KSF: "1" });
  assert.equal((await m.run(["demo-data", "--out", join(dir, "chats"), "--messages", "20", "--media-files", "1"])).code, 0);
  assert.equal((await m.run(["init", "--repo", repo, "--realms", realmsFile, "--password-file", pw])).code, 0);
  assert.equal((await m.run(["backup", "--repo", repo, "--db", join(dir, "chats", "msgstore.db"), "--password-file", pw])).code, 0);

  lie.on = true;
  const ok = await m.run(["restore", "--repo", repo, "--to", join(dir, "ok"), "--password-file", pw, "--json"]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(
    ok.json.realms.notAnswering.map((x: { url: string; status: string }) => [x.url, x.status]),
    [[proxy.url, "misbehaved"]],
  );
  assert.match(ok.stderr, new RegExp(`did not: ${proxy.url.replace(/[.]/g, "\\.")} misbehaved`));

  await realms[2]!.kill();
  const bad = await m.run(["restore", "--repo", repo, "--to", join(dir, "bad"), "--password-file", pw, "--json"]);
  assert.equal(bad.code, EXIT.integrity, bad.stderr);
  assert.equal(bad.json.error.code, "realm_misbehaved");
  assert.deepEqual(bad.json.error.details, { realm: { id: realms[1]!.realmId, url: proxy.url }, reason: "bad_proof" });
  assert.match(bad.json.error.message, /misbehaved \(bad_proof\) and too few honest realms remain/);
});
