function isTokenChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c));
}

/**
 * The canonical form of a header name, as Go's CanonicalMIMEHeaderKey (and
 * so the host) gives it: `content-type` → `Content-Type`. A name with a
 * character not allowed in a header name is returned unchanged.
 */
export function canonicalHeaderName(name: string): string {
  for (let i = 0; i < name.length; i++) {
    if (!isTokenChar(name.charCodeAt(i))) return name;
  }
  let upper = true;
  let out = "";
  for (const ch of name) {
    out += upper ? ch.toUpperCase() : ch.toLowerCase();
    upper = ch === "-";
  }
  return out;
}
