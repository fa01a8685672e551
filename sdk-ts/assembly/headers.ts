// Header names: the canonical form Go (and so the host) uses, and
// case-insensitive lookup.

function isTokenChar(c: i32): bool {
  if (c >= 48 && c <= 57) return true; // 0-9
  if (c >= 65 && c <= 90) return true; // A-Z
  if (c >= 97 && c <= 122) return true; // a-z
  // !#$%&'*+-.^_`|~
  return c == 33 || (c >= 35 && c <= 39) || c == 42 || c == 43 || c == 45 || c == 46 || c == 94 || c == 95 || c == 96 || c == 124 || c == 126;
}

/**
 * The canonical form of a header name, as Go's CanonicalMIMEHeaderKey gives
 * it: `content-type` becomes `Content-Type`. A name with a character that is
 * not allowed in a header name is returned unchanged.
 */
export function canonicalHeaderName(name: string): string {
  const n = name.length;
  if (n == 0) return name;
  for (let i = 0; i < n; i++) {
    if (!isTokenChar(name.charCodeAt(i))) return name;
  }
  const out = new Uint16Array(n);
  let upper = true;
  for (let i = 0; i < n; i++) {
    let c = name.charCodeAt(i);
    if (upper && c >= 97 && c <= 122) c -= 32;
    else if (!upper && c >= 65 && c <= 90) c += 32;
    out[i] = <u16>c;
    upper = c == 45; // '-'
  }
  return String.UTF16.decodeUnsafe(out.dataStart, <usize>n << 1);
}

/**
 * Finds the key of `headers` equal to `name` ignoring case; null when there
 * is none. Tries the canonical form first, which is how the host sends them.
 */
export function findHeaderKey(headers: Map<string, string[]>, name: string): string | null {
  const canonical = canonicalHeaderName(name);
  if (headers.has(canonical)) return canonical;
  const lower = name.toLowerCase();
  const keys = headers.keys();
  for (let i = 0; i < keys.length; i++) {
    if (keys[i].toLowerCase() == lower) return keys[i];
  }
  return null;
}
