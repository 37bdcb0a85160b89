import { needService } from "@chatvault/testkit";
import { createTestDatabase, postgresAvailable } from "../test-vault.ts";
import { repositoryConformance } from "./conformance.ts";
import { PostgresRepository } from "./postgres.ts";

repositoryConformance("postgres", async (t) => {
  if (!needService(t, await postgresAvailable(), "PostgreSQL not reachable on 127.0.0.1:5432")) return null;
  return new PostgresRepository({ url: await createTestDatabase(t), poolSize: 20 });
});
