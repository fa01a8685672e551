// Standard base64 (RFC 4648 §4, with padding), the encoding the contract uses
// for binary bodies.

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** The length of the base64 encoding of `n` bytes, padding included. */
export function base64Size(n: i32): usize {
  return <usize>((n + 2) / 3) * 4;
}

/** Writes the base64 of `data` as ASCII bytes at `ptr`; returns the end. */
export function writeBase64(ptr: usize, data: Uint8Array): usize {
  const n = data.length;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (<u32>data[i] << 16) | (<u32>data[i + 1] << 8) | <u32>data[i + 2];
    store<u8>(ptr++, <u8>ALPHABET.charCodeAt((v >> 18) & 63));
    store<u8>(ptr++, <u8>ALPHABET.charCodeAt((v >> 12) & 63));
    store<u8>(ptr++, <u8>ALPHABET.charCodeAt((v >> 6) & 63));
    store<u8>(ptr++, <u8>ALPHABET.charCodeAt(v & 63));
  }
  const rest = n - i;
  if (rest > 0) {
    let v = <u32>data[i] << 16;
    if (rest == 2) v |= <u32>data[i + 1] << 8;
    store<u8>(ptr++, <u8>ALPHABET.charCodeAt((v >> 18) & 63));
    store<u8>(ptr++, <u8>ALPHABET.charCodeAt((v >> 12) & 63));
    store<u8>(ptr++, rest == 2 ? <u8>ALPHABET.charCodeAt((v >> 6) & 63) : 61); // '='
    store<u8>(ptr++, 61);
  }
  return ptr;
}

/** Encodes bytes as standard base64 with padding. */
export function encodeBase64(data: Uint8Array): string {
  const size = base64Size(data.length);
  const ascii = new Uint8Array(<i32>size);
  writeBase64(ascii.dataStart, data);
  return String.UTF8.decodeUnsafe(ascii.dataStart, size);
}

function sextet(c: i32): i32 {
  if (c >= 65 && c <= 90) return c - 65; // A-Z
  if (c >= 97 && c <= 122) return c - 71; // a-z
  if (c >= 48 && c <= 57) return c + 4; // 0-9
  if (c == 43) return 62; // +
  if (c == 47) return 63; // /
  return -1;
}

/**
 * Decodes standard base64 with padding. Returns null when `text` is not
 * valid base64 (wrong length, a character outside the alphabet, misplaced
 * padding).
 */
export function decodeBase64(text: string): Uint8Array | null {
  const n = text.length;
  if (n % 4 != 0) return null;
  let pad = 0;
  if (n > 0 && text.charCodeAt(n - 1) == 61) pad++;
  if (n > 1 && text.charCodeAt(n - 2) == 61) pad++;
  const out = new Uint8Array((n / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < n; i += 4) {
    const last = i + 4 == n;
    const a = sextet(text.charCodeAt(i));
    const b = sextet(text.charCodeAt(i + 1));
    let c = sextet(text.charCodeAt(i + 2));
    let d = sextet(text.charCodeAt(i + 3));
    if (last && pad >= 1) d = 0;
    if (last && pad == 2) c = 0;
    if (a < 0 || b < 0 || c < 0 || d < 0) return null;
    const v = (<u32>a << 18) | (<u32>b << 12) | (<u32>c << 6) | <u32>d;
    out[o++] = <u8>(v >> 16);
    if (o < out.length) out[o++] = <u8>(v >> 8);
    if (o < out.length) out[o++] = <u8>v;
  }
  return out;
}
