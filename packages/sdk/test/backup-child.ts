/**
 * A backup in its own process, for the crash test: prints "ready" once everything is
 * loaded, then backs up. Arguments: repoDir keyHex srcDir headsFile.
 */
import { join } from "node:path";
import { RootKey, fromHex } from "@chatvault/format";
import { FsStorage } from "@chatvault/storage/fs";
import { Repository } from "../src/index.ts";
import { backup, localHeadStore } from "../src/node/index.ts";

const [repoDir, keyHex, srcDir, headsFile] = process.argv.slice(2) as [string, string, string, string];
const repo = await Repository.open(new FsStorage(repoDir), new RootKey(fromHex(keyHex)));
const heads = localHeadStore(headsFile, repo.keys, repo.repoId);
process.stdout.write("ready\n");
await backup({ repo, heads, db: join(srcDir, "msgstore.db"), media: join(srcDir, "media") });
process.stdout.write("done\n");
