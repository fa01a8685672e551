function isBase64Char(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47;
}

/**
 * True when `text` is standard base64 with padding (RFC 4648 §4). A loop, not
 * a regular expression: a regex over a multi-megabyte body overflows V8's stack.
 */
export function isBase64(text: string): boolean {
  const n = text.length;
  if (n % 4 !== 0) return false;
  let pad = 0;
  if (n > 0 && text.charCodeAt(n - 1) === 61) pad++;
  if (n > 1 && text.charCodeAt(n - 2) === 61) pad++;
  for (let i = 0; i < n - pad; i++) {
    if (!isBase64Char(text.charCodeAt(i))) return false;
  }
  return true;
}

/** Encodes bytes as standard base64. */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** Decodes standard base64 (check it with isBase64 first). */
export function fromBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "base64"));
}

/** True when `bytes` is valid UTF-8. */
export function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}
