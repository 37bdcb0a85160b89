/**
 * The one way a database connection string is described in logs, errors and messages
 * (spec/vault-protocol.md §9.1): every credential it can carry is replaced by
 * `[redacted]`, in both forms libpq and `pg` accept —
 *
 *   URL:        postgres[ql]://user:PASSWORD@host/db?password=…&sslpassword=…&sslkey=…
 *   key=value:  host=… user=… password=… sslpassword='…' sslkey=…
 *
 * Parameter names are matched case-insensitively and after percent-decoding (a URL's
 * query is decoded before use, so `pass%77ord=` is a password too). A string it cannot
 * make sense of is replaced whole: better an unhelpful log line than a leaked password.
 */
const CREDENTIAL_PARAMS = new Set(["password", "sslpassword", "sslkey"]);
const R = "[redacted]";

export function redactConnectionString(s: string): string {
  if (typeof s !== "string") return R;
  const url = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)(.*)$/s.exec(s);
  return url ? redactUrl(url[1]!, url[2]!) : redactKeyValue(s);
}

function redactUrl(scheme: string, rest: string): string {
  const q = rest.indexOf("?");
  let before = q < 0 ? rest : rest.slice(0, q);
  const query = q < 0 ? null : rest.slice(q + 1);
  // Userinfo: everything up to the last "@" before the path (a raw "@" may sit in a password).
  const pathStart = before.indexOf("/");
  const authority = pathStart < 0 ? before : before.slice(0, pathStart);
  const at = authority.lastIndexOf("@");
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    const colon = userinfo.indexOf(":");
    const user = colon < 0 ? userinfo : userinfo.slice(0, colon);
    before = `${colon < 0 ? user : `${user}:${R}`}@${before.slice(at + 1)}`;
  }
  if (query === null) return scheme + before;
  const [params, fragment] = splitOnce(query, "#");
  const out = params.split("&").map((pair) => {
    const [rawName] = splitOnce(pair, "=");
    let name: string;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, " ")).trim().toLowerCase();
    } catch {
      return R; // undecodable name: it might be anything
    }
    return CREDENTIAL_PARAMS.has(name) ? `${rawName}=${R}` : pair;
  });
  return `${scheme}${before}?${out.join("&")}${fragment === undefined ? "" : `#${fragment}`}`;
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

/** libpq key=value syntax: `key = value` pairs, values bare or single-quoted with backslash escapes. */
function redactKeyValue(s: string): string {
  let out = "";
  let i = 0;
  while (i < s.length) {
    const ws = /^\s*/.exec(s.slice(i))![0];
    out += ws;
    i += ws.length;
    if (i >= s.length) break;
    const key = /^([A-Za-z_][A-Za-z0-9_]*)(\s*=\s*)/.exec(s.slice(i));
    if (!key) return R; // not key=value: cannot tell what is a secret
    out += key[0];
    i += key[0].length;
    const start = i;
    if (s[i] === "'") {
      i++;
      while (i < s.length && s[i] !== "'") i += s[i] === "\\" ? 2 : 1;
      if (i >= s.length) return R; // unterminated quote
      i++;
    } else {
      while (i < s.length && !/\s/.test(s[i]!)) i += s[i] === "\\" ? 2 : 1;
    }
    out += CREDENTIAL_PARAMS.has(key[1]!.toLowerCase()) ? R : s.slice(start, i);
  }
  return out;
}
