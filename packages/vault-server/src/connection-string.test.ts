/** Redaction of database connection strings (spec §9.1): every credential form, both syntaxes. */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { redactConnectionString as redact } from "./connection-string.ts";
import { describeConfig, resolveConfig } from "./config.ts";

const CASES: Array<[string, string]> = [
  ["postgres://vault:s3cret@db.example:5432/vault", "postgres://vault:[redacted]@db.example:5432/vault"],
  ["postgresql://vault:s3cret@db/vault", "postgresql://vault:[redacted]@db/vault"],
  ["postgres://vault@db/vault", "postgres://vault@db/vault"],
  ["postgres://u:p@ss@w0rd@db/vault", "postgres://u:[redacted]@db/vault"],
  ["postgres://db/vault?password=s3cret", "postgres://db/vault?password=[redacted]"],
  ["postgres://db/vault?user=v&password=s3cret&sslmode=require", "postgres://db/vault?user=v&password=[redacted]&sslmode=require"],
  [
    "postgres://db/vault?sslpassword=k3y&sslkey=/etc/key.pem&sslcert=/etc/c.pem",
    "postgres://db/vault?sslpassword=[redacted]&sslkey=[redacted]&sslcert=/etc/c.pem",
  ],
  ["postgres://db/vault?PASSWORD=s3cret", "postgres://db/vault?PASSWORD=[redacted]"],
  ["postgres://db/vault?pass%77ord=s3cret", "postgres://db/vault?pass%77ord=[redacted]"],
  ["postgres://db/vault?%zz=s3cret", "postgres://db/vault?[redacted]"],
  ["postgres://a:b@db/vault?password=c#frag", "postgres://a:[redacted]@db/vault?password=[redacted]#frag"],
  ["host=db user=vault password=s3cret dbname=vault", "host=db user=vault password=[redacted] dbname=vault"],
  ["host=db password = 's3 cr\\'et' sslpassword=x sslkey=/k dbname=v", "host=db password = [redacted] sslpassword=[redacted] sslkey=[redacted] dbname=v"],
  ["host=db password='unterminated", "[redacted]"],
  ["not a connection string password:s3cret", "[redacted]"],
];

test("every credential form is redacted, the rest kept", () => {
  for (const [input, expected] of CASES) assert.equal(redact(input), expected, input);
});

test("property: a password placed in any credential position never survives", () => {
  const secret = fc.stringMatching(/^[A-Za-z0-9]{12,20}$/).map((s) => `S3CR3T${s}`);
  fc.assert(
    fc.property(secret, fc.constantFrom("password", "sslpassword", "sslkey", "Password"), fc.integer({ min: 0, max: 3 }), (pw, name, form) => {
      const s = [`postgres://u:${pw}@h/db`, `postgresql://h/db?a=1&${name}=${pw}`, `host=h ${name}=${pw} dbname=d`, `host=h ${name}='${pw} x' dbname=d`][form]!;
      assert.ok(!redact(s).includes(pw), s);
    }),
  );
});

test('the startup description of the config (the "vault listening" line) carries no database credential', () => {
  const c = resolveConfig({
    database: { kind: "postgres", url: "postgres://vault:USERINFOPW@127.0.0.1:5432/vault?password=QUERYPW&sslpassword=SSLPW&sslkey=/k/KEYPATH" },
    sealer: { kind: "keyfile", path: "/tmp/x" },
    auth: { hs256Secret: "s".repeat(40) },
  });
  const line = JSON.stringify(describeConfig(c));
  for (const secret of ["USERINFOPW", "QUERYPW", "SSLPW", "KEYPATH", "s".repeat(40)]) assert.ok(!line.includes(secret), secret);
  assert.ok(line.includes("127.0.0.1:5432/vault"), "the rest stays readable");
});
