/**
 * The bare OPAQUE server step measured in CPU time (issue #13's yardstick for the vault):
 * `startLogin` + `finishLogin` on one core, timed with `process.cpuUsage`, so that on a
 * machine shared with other work it is measured the same way as the vault's own CPU
 * seconds it is divided into (a wall-clock ceiling drops under load and flatters the ratio).
 */
import * as opaque from "@serenity-kit/opaque";

/** Server logins per CPU-second of one core (best of `rounds` rounds of `logins` each). */
export async function opaqueCpuCeiling(logins = 300, rounds = 3): Promise<number> {
  await opaque.ready;
  const ks = { "argon2id-custom": { iterations: 1, memory: 1024, parallelism: 1 } } as const;
  const serverSetup = opaque.server.createSetup();
  const userIdentifier = "bench-user";
  const password = "bench password";
  const { clientRegistrationState, registrationRequest } = opaque.client.startRegistration({ password });
  const { registrationResponse } = opaque.server.createRegistrationResponse({ serverSetup, userIdentifier, registrationRequest });
  const { registrationRecord } = opaque.client.finishRegistration({ clientRegistrationState, registrationResponse, password, keyStretching: ks });
  let best = 0;
  for (let round = 0; round < rounds; round++) {
    const starts = Array.from({ length: logins }, () => opaque.client.startLogin({ password }));
    const finishes = starts.map((c) => {
      const s = opaque.server.startLogin({ serverSetup, userIdentifier, registrationRecord, startLoginRequest: c.startLoginRequest });
      const f = opaque.client.finishLogin({ clientLoginState: c.clientLoginState, loginResponse: s.loginResponse, password, keyStretching: ks });
      if (!f) throw new Error("OPAQUE self-test login failed");
      return { state: s.serverLoginState, finish: f.finishLoginRequest };
    });
    const c0 = process.cpuUsage();
    for (const c of starts) opaque.server.startLogin({ serverSetup, userIdentifier, registrationRecord, startLoginRequest: c.startLoginRequest });
    for (const f of finishes) opaque.server.finishLogin({ finishLoginRequest: f.finish, serverLoginState: f.state });
    const used = process.cpuUsage(c0);
    best = Math.max(best, logins / ((used.user + used.system) / 1e6));
  }
  return best;
}
