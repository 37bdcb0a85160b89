import { join } from "node:path";
import { tempDir } from "@chatvault/testkit";
import { repositoryConformance } from "./conformance.ts";
import { SqliteRepository } from "./sqlite.ts";

repositoryConformance("sqlite", async (t) => new SqliteRepository({ path: join(tempDir(t), "vault.db") }));
