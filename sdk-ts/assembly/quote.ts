// JSON string quoting for log lines and the abort path. Hand-written rather
// than json-as's because `abort` (assembly/failure.ts) is compiled before any
// file's globals are initialized: it must not touch json-as's buffer globals.

const HEX = "0123456789abcdef";

/** `text` as a JSON string literal, quotes included. */
export function quoteJson(text: string): string {
  let out = '"';
  let start = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x20 && c != 0x22 && c != 0x5c) continue;
    out += text.substring(start, i);
    start = i + 1;
    if (c == 0x22) out += '\\"';
    else if (c == 0x5c) out += "\\\\";
    else if (c == 0x0a) out += "\\n";
    else if (c == 0x0d) out += "\\r";
    else if (c == 0x09) out += "\\t";
    else out += "\\u00" + HEX.charAt(c >> 4) + HEX.charAt(c & 15);
  }
  return out + text.substring(start) + '"';
}
