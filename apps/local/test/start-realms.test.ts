/**
 * `npm start -- --realms 3`: three realms of their own (homes, ports, realm IDs, token
 * secrets) beside the vault; the printed realms file works for a realms-mode init, backup
 * and restore; Ctrl-C stops everything with exit 0.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "@chatvault/testkit";
import { MAIN, machine, startDetached, treeHashes, waitFor, writeSecret } from "./support.ts";

test("start --realms 3: three independent realms, a realms file for the CLI session, Ctrl-C stops all", { timeout: 180_000 }, async (t) => {
  const dir = tempDir(t, "chatvault-local-realms-");
  const home = join(dir, "home");
  const env = { PATH: process.env.PATH ?? "", HOME: dir, CHATVAULT_HOME: home, CHATVAULT_PORT: "0", CHATVAULT_VAULT_ALLOW_WEAK_KSF: "1" };
  const started = startDetached(t, ["--conditions=chatvault-source", "--import", "tsx", MAIN, "--realms", "3", "--no-web", "--json"], env);
  type Result = { realms: { threshold: number; urls: string[]; realmsFile: string }; cliAccount: string; backups: string };
  const result = await waitFor(
    "the result object",
    started,
    () => {
      try {
        return JSON.parse(started.stdout) as Result;
      } catch {
        return undefined;
      }
    },
    60_000,
  );
  const { realms } = result;
  assert.equal(realms.threshold, 2);
  assert.equal(realms.urls.length, 3);
  const infos = await Promise.all(realms.urls.map(async (u) => ((await (await fetch(`${u}/realm/v1/info`)).json()) as { realmId: string }).realmId));
  assert.equal(new Set(infos).size, 3, "three distinct realm IDs (three homes)");
  const file = JSON.parse(readFileSync(realms.realmsFile, "utf8")) as { threshold: number; realms: { url: string; tokenFile: string }[] };
  assert.deepEqual(
    file.realms.map((r) => r.url),
    realms.urls,
  );
  const tokens = file.realms.map((r) => readFileSync(join(home, r.tokenFile), "utf8").trim());
  assert.equal(new Set(tokens).size, 3, "one token per realm, each signed by that realm's own secret");
  // A realm refuses another realm's token (own issuer per realm).
  const cross = await fetch(`${realms.urls[0]}/realm/v1/record`, { headers: { authorization: `Bearer ${tokens[1]}` } });
  assert.equal(cross.status, 401);

  const m = machine(dir, "m", { CHATVAULT_INSECURE_TEST_KSF: "1" });
  const pw = writeSecret(join(dir, "pw.txt"), "correct horse battery staple");
  const repo = join(result.backups, result.cliAccount);
  const media = join(dir, "media");
  assert.equal((await m.run(["demo-data", "--out", join(dir, "chats"), "--messages", "50", "--media-mib", "1"])).code, 0);
  const init = await m.run(["init", "--repo", repo, "--realms", realms.realmsFile, "--password-file", pw]);
  assert.equal(init.code, 0, init.stderr);
  const b = await m.run(["backup", "--repo", repo, "--media", join(dir, "chats", "media"), "--password-file", pw]);
  assert.equal(b.code, 0, b.stderr);
  const r = await m.run(["restore", "--repo", repo, "--to", media, "--password-file", pw]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /3 of 3 realms answered/);
  assert.deepEqual(treeHashes(join(media, "media")), treeHashes(join(dir, "chats", "media")));

  started.interrupt();
  assert.equal(await started.exited, 0, started.stderr);
});
