/** The realm part of `npm run bench -- --only vault` alone (bench/vault-realms.ts): `node --import tsx bench/realms-quick.ts [tiny|small|full]`. */
import { runRealmBench, realmTable } from "./vault-realms.ts";
const notes: string[] = [];
const size = process.argv[2] ?? "small";
const b = await runRealmBench({ sizeName: size, log: (l) => console.log(l), notes, work: "/tmp/realms-bench-" + process.pid });
console.log(realmTable(b));
console.log(notes.join("\n"));
