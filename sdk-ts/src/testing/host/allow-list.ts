// A handler's fetch allow-list, with the host's rules (host/fetch/rule.go):
// each entry is scheme + host (a `*.` wildcard matches one or more whole
// labels, never the name itself) + port (the scheme's by default).

/** One parsed allow-list entry. */
export interface FetchRule {
  scheme: "http" | "https";
  /** Lower-case hostname (without `*.`), or an IP address in canonical form. */
  host: string;
  wildcard: boolean;
  port: number;
  /** Whether `host` is an IP address. */
  ip: boolean;
}

const DEFAULT_PORT = { http: 80, https: 443 } as const;

// Dot-separated labels of 1..63 letters, digits, '-' or '_' (no leading or
// trailing '-'), at most 253 bytes, the last label not all digits.
function validHostname(h: string): boolean {
  if (h === "" || h.length > 253) return false;
  const labels = h.split(".");
  for (const l of labels) {
    if (l === "" || l.length > 63 || l.startsWith("-") || l.endsWith("-") || !/^[A-Za-z0-9_-]+$/.test(l)) return false;
  }
  return !/^[0-9]+$/.test(labels[labels.length - 1]!);
}

const IPV4 = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$/;

// An IP literal's canonical form (IPv4-mapped IPv6 unmapped), or null.
function canonicalIp(host: string): string | null {
  if (IPV4.test(host)) return host;
  if (!host.startsWith("[") || !host.endsWith("]")) return null;
  let canonical: string;
  try {
    canonical = new URL(`http://${host}/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (mapped) {
    const hi = parseInt(mapped[1]!, 16);
    const lo = parseInt(mapped[2]!, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return canonical;
}

/** Parses an entry such as `https://*.example.org` or `http://127.0.0.1:9000`; throws on a bad one. */
export function parseFetchRule(entry: string): FetchRule {
  const bad = (why: string): Error => new Error(`fetch entry ${JSON.stringify(entry)}: ${why}`);
  const sep = entry.indexOf("://");
  if (sep < 0) throw bad("want scheme://host[:port]");
  const scheme = entry.slice(0, sep).toLowerCase();
  if (scheme !== "http" && scheme !== "https") throw bad("the scheme must be http or https");
  const rest = entry.slice(sep + 3);
  if (/[/?#@]/.test(rest)) throw bad("only scheme, host and port are allowed (no path, query, fragment or user info)");
  const m = /^(\[[^\]]*\]|[^:[\]]*)(?::([0-9]*))?$/.exec(rest);
  if (!m || m[1] === "") throw bad("want scheme://host[:port]");
  let port: number = DEFAULT_PORT[scheme];
  if (m[2] !== undefined) {
    const p = m[2];
    if (p === "" || p.startsWith("0") || Number(p) > 65535) throw bad(`bad port ${JSON.stringify(p)}`);
    port = Number(p);
  }
  const ip = canonicalIp(m[1]!);
  if (ip !== null) return { scheme, host: ip, wildcard: false, port, ip: true };
  if (m[1]!.startsWith("[")) throw bad(`bad IPv6 address ${m[1]}`);
  let host = m[1]!.toLowerCase();
  const wildcard = host.startsWith("*.");
  if (wildcard) host = host.slice(2);
  if (!validHostname(host)) throw bad(`bad host ${JSON.stringify(host)}`);
  return { scheme, host, wildcard, port, ip: false };
}

/** Whether `rule` allows the URL (an absolute http or https URL). */
export function ruleAllows(rule: FetchRule, url: URL): boolean {
  const scheme = url.protocol.slice(0, -1);
  if (scheme !== rule.scheme) return false;
  const port = url.port === "" ? DEFAULT_PORT[rule.scheme] : Number(url.port);
  if (port !== rule.port) return false;
  const host = url.hostname.toLowerCase();
  if (rule.ip) return canonicalIp(host) === rule.host;
  if (rule.wildcard) return host.endsWith(`.${rule.host}`) && validHostname(host);
  return host === rule.host;
}

/** Whether any rule of the list allows the URL. */
export function allowListAllows(rules: FetchRule[], url: URL): boolean {
  return rules.some((r) => ruleAllows(r, url));
}
