/**
 * The bare OPAQUE server step, the vault's yardstick: `startLogin` + `finishLogin` of
 * @serenity-kit/opaque for one login on one core, client messages precomputed (the client's
 * key stretching is cheap here only to precompute the finish messages fast; the server's
 * work does not depend on it). Two measurements of the same step: `opaqueCeiling` in
 * wall-clock time (the crypto table) and `opaqueCpuCeiling` in CPU time (the yardstick of
 * the key-vault target, docs/performance.md, Targets: on a machine shared with other work
 * it is measured the same way as the vault's own CPU seconds it is divided into — a
 * wall-clock ceiling drops under load and flatters the ratio).
 */
import * as opaque from "@serenity-kit/opaque";

interface PreparedLogins {
  /** Every server startLogin of the batch. */
  start(): void;
  /** Every server finishLogin of the batch (for precomputed start/finish pairs). */
  finish(): void;
}

/** A registration and `n` precomputed client logins against it. */
async function prepareLogins(n: number): Promise<PreparedLogins> {
  await opaque.ready;
  const ks = { "argon2id-custom": { iterations: 1, memory: 1024, parallelism: 1 } } as const;
  const serverSetup = opaque.server.createSetup();
  const userIdentifier = "bench-user";
  const password = "bench password";
  const { clientRegistrationState, registrationRequest } = opaque.client.startRegistration({ password });
  const { registrationResponse } = opaque.server.createRegistrationResponse({ serverSetup, userIdentifier, registrationRequest });
  const { registrationRecord } = opaque.client.finishRegistration({ clientRegistrationState, registrationResponse, password, keyStretching: ks });
  // Client starts, then (to get finish messages) one full server start + client finish each.
  const starts = Array.from({ length: n }, () => opaque.client.startLogin({ password }));
  const finishes = starts.map((c) => {
    const s = opaque.server.startLogin({ serverSetup, userIdentifier, registrationRecord, startLoginRequest: c.startLoginRequest });
    const f = opaque.client.finishLogin({ clientLoginState: c.clientLoginState, loginResponse: s.loginResponse, password, keyStretching: ks });
    if (!f) throw new Error("OPAQUE self-test login failed");
    return { state: s.serverLoginState, finish: f.finishLoginRequest };
  });
  return {
    start: () => {
      for (const c of starts) opaque.server.startLogin({ serverSetup, userIdentifier, registrationRecord, startLoginRequest: c.startLoginRequest });
    },
    finish: () => {
      for (const f of finishes) opaque.server.finishLogin({ finishLoginRequest: f.finish, serverLoginState: f.state });
    },
  };
}

/** Server logins per second of one core, wall-clock; logs the two halves. */
export async function opaqueCeiling(logins: number, log: (l: string) => void): Promise<number> {
  const n = Math.max(10, logins);
  const batch = await prepareLogins(n);
  const t0 = performance.now();
  batch.start();
  const tStart = performance.now() - t0;
  const t1 = performance.now();
  batch.finish();
  const tFinish = performance.now() - t1;
  const rate = 1000 / ((tStart + tFinish) / n);
  log(`OPAQUE server: startLogin ${(tStart / n).toFixed(3)} ms + finishLogin ${(tFinish / n).toFixed(3)} ms = ${rate.toFixed(0)} logins/s/core`);
  return rate;
}

/**
 * Server logins per CPU-second of one core (best of `rounds` rounds of `logins` each), after
 * at least `warmupLogins` server logins (start + finish) not timed — the vault's bench warms
 * the vault with the same count of unlocks (vault.ts: both at their steady state, the same
 * rule; WebAssembly tiers up while it runs, as JavaScript does).
 */
export async function opaqueCpuCeiling(logins = 300, rounds = 3, warmupLogins = 0): Promise<number> {
  for (let done = 0; done < warmupLogins; done += logins) {
    const batch = await prepareLogins(logins);
    batch.start();
    batch.finish();
  }
  let best = 0;
  for (let round = 0; round < rounds; round++) {
    const batch = await prepareLogins(logins);
    const c0 = process.cpuUsage();
    batch.start();
    batch.finish();
    const used = process.cpuUsage(c0);
    best = Math.max(best, logins / ((used.user + used.system) / 1e6));
  }
  return best;
}
