// Caddyfile sizes and durations, as Caddy parses them (humanize.ParseBytes,
// caddy.ParseDuration), for the handler block `gojinn dev` reads.

const SIZE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  k: 1e3,
  m: 1e6,
  g: 1e9,
  t: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
  ki: 2 ** 10,
  mi: 2 ** 20,
  gi: 2 ** 30,
  ti: 2 ** 40,
};

/** A size such as `10MB` (decimal), `1MiB` (binary) or `4096`, in bytes; null when it is not one. */
export function parseSize(text: string): number | null {
  const m = /^([0-9]+(?:\.[0-9]+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = m ? SIZE_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) return null;
  return Math.floor(Number(m[1]) * unit);
}

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 };

/** A duration such as `10s`, `1m30s`, `500ms` or `1d`, in milliseconds; null when it is not one. */
export function parseDuration(text: string): number | null {
  const parts = text.trim().match(/[0-9]+(?:\.[0-9]+)?(?:ns|us|µs|ms|s|m|h|d)/g);
  if (!parts || parts.join("") !== text.trim()) return null;
  let ms = 0;
  for (const part of parts) {
    const [, n, unit] = /^([0-9.]+)(.+)$/.exec(part)!;
    ms += Number(n) * DURATION_UNITS[unit!]!;
  }
  return ms;
}
