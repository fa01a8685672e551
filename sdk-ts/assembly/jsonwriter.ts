// Writes the response JSON straight into one UTF-8 buffer of the exact size.
// json-as serializes to a UTF-16 string through a growing buffer, which then
// has to be copied and converted: with `--runtime stub` (nothing is freed)
// that cost ~130 MB of linear memory for a 5 MB body, over the host's 128 MB
// default. This writer needs the body's UTF-8 size once, plus nothing.

import { base64Size, writeBase64 } from "./base64";

// @ts-ignore: decorator
@inline const QUOTE: u8 = 0x22;
// @ts-ignore: decorator
@inline const BACKSLASH: u8 = 0x5c;

const HEX = "0123456789abcdef";

function escapeOf(c: u32): u8 {
  if (c == 0x22) return QUOTE;
  if (c == 0x5c) return BACKSLASH;
  if (c == 0x0a) return 0x6e; // n
  if (c == 0x0d) return 0x72; // r
  if (c == 0x09) return 0x74; // t
  if (c == 0x08) return 0x62; // b
  if (c == 0x0c) return 0x66; // f
  return 0;
}

/**
 * The UTF-8 size of `s` as a JSON string literal, quotes included. A lone
 * surrogate counts as U+FFFD, which is what gets written: the output is
 * always valid UTF-8.
 */
export function jsonStringSize(s: string): usize {
  let n: usize = 2;
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = <u32>s.charCodeAt(i);
    if (c < 0x80) {
      n += c < 0x20 || c == 0x22 || c == 0x5c ? (escapeOf(c) != 0 ? 2 : 6) : 1;
    } else if (c < 0x800) {
      n += 2;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < len && <u32>s.charCodeAt(i + 1) >= 0xdc00 && <u32>s.charCodeAt(i + 1) <= 0xdfff) {
      n += 4;
      i++;
    } else {
      n += 3;
    }
  }
  return n;
}

/** Writes `s` as a JSON string literal in UTF-8 at `ptr`; returns the end. */
export function writeJsonString(ptr: usize, s: string): usize {
  store<u8>(ptr++, QUOTE);
  const len = s.length;
  for (let i = 0; i < len; i++) {
    let c = <u32>s.charCodeAt(i);
    if (c < 0x80) {
      if (c >= 0x20 && c != 0x22 && c != 0x5c) {
        store<u8>(ptr++, <u8>c);
        continue;
      }
      const e = escapeOf(c);
      store<u8>(ptr++, BACKSLASH);
      if (e != 0) {
        store<u8>(ptr++, e);
      } else {
        store<u8>(ptr++, 0x75); // u
        store<u8>(ptr++, 0x30);
        store<u8>(ptr++, 0x30);
        store<u8>(ptr++, <u8>HEX.charCodeAt(c >> 4));
        store<u8>(ptr++, <u8>HEX.charCodeAt(c & 15));
      }
    } else if (c < 0x800) {
      store<u8>(ptr++, <u8>(0xc0 | (c >> 6)));
      store<u8>(ptr++, <u8>(0x80 | (c & 63)));
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < len ? <u32>s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          store<u8>(ptr++, <u8>(0xf0 | (cp >> 18)));
          store<u8>(ptr++, <u8>(0x80 | ((cp >> 12) & 63)));
          store<u8>(ptr++, <u8>(0x80 | ((cp >> 6) & 63)));
          store<u8>(ptr++, <u8>(0x80 | (cp & 63)));
          i++;
          continue;
        }
        c = 0xfffd; // a lone surrogate: the replacement character
      }
      store<u8>(ptr++, <u8>(0xe0 | (c >> 12)));
      store<u8>(ptr++, <u8>(0x80 | ((c >> 6) & 63)));
      store<u8>(ptr++, <u8>(0x80 | (c & 63)));
    }
  }
  store<u8>(ptr++, QUOTE);
  return ptr;
}

/** Writes ASCII text (no escaping) at `ptr`; returns the end. */
function writeAscii(ptr: usize, s: string): usize {
  for (let i = 0; i < s.length; i++) store<u8>(ptr++, <u8>s.charCodeAt(i));
  return ptr;
}

/**
 * The response object of the contract as UTF-8 JSON:
 * `{"status":N,"headers":{...},"body":"..."}`, with `"body_encoding":"base64"`
 * and the body base64-encoded when `binary` is given.
 */
export function encodeResponseJson(status: i32, headers: Map<string, string[]>, text: string, binary: Uint8Array | null): Uint8Array {
  const statusText = status.toString();
  const names = headers.keys();
  let size: usize = 11 + <usize>statusText.length + 13; // {"status":N,"headers":{
  for (let i = 0; i < names.length; i++) {
    if (i > 0) size += 1;
    size += jsonStringSize(names[i]) + 3; // "name":[]
    const values = headers.get(names[i]);
    for (let j = 0; j < values.length; j++) size += jsonStringSize(values[j]) + (j > 0 ? 1 : 0);
  }
  size += 10; // },"body":
  if (binary !== null) size += 2 + base64Size(binary.length) + 25; // "...","body_encoding":"base64"
  else size += jsonStringSize(text);
  size += 1; // }
  const out = new Uint8Array(<i32>size);
  let p = out.dataStart;
  p = writeAscii(p, '{"status":' + statusText + ',"headers":{');
  for (let i = 0; i < names.length; i++) {
    if (i > 0) store<u8>(p++, 0x2c);
    p = writeJsonString(p, names[i]);
    p = writeAscii(p, ":[");
    const values = headers.get(names[i]);
    for (let j = 0; j < values.length; j++) {
      if (j > 0) store<u8>(p++, 0x2c);
      p = writeJsonString(p, values[j]);
    }
    store<u8>(p++, 0x5d); // ]
  }
  p = writeAscii(p, '},"body":');
  if (binary !== null) {
    store<u8>(p++, QUOTE);
    p = writeBase64(p, binary);
    p = writeAscii(p, '","body_encoding":"base64"');
  } else {
    p = writeJsonString(p, text);
  }
  store<u8>(p++, 0x7d); // }
  return out.subarray(0, <i32>(p - out.dataStart));
}
