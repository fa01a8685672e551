// Writes the response JSON straight into one UTF-8 buffer (see utf8.ts's
// Utf8Writer): no UTF-16 copy of it is ever made. json-as serializes to a
// UTF-16 string through a growing buffer, which then has to be copied and
// converted: with `--runtime stub` (nothing is freed) that cost ~130 MB of
// linear memory for a 5 MB body, and one loop iteration per character.
//
// The response object of the contract is
// `{"status":N,"headers":{"Name":["value",...],...},"body":"..."}`, with
// `"body_encoding":"base64"` and the body base64-encoded for a binary body.

import { base64Size, writeBase64 } from "./base64";
import { Utf8Writer } from "./utf8";

/** Writes `{"status":N,"headers":{`. */
export function writeResponseStart(w: Utf8Writer, status: i32): void {
  w.text('{"status":');
  w.int(status);
  w.text(',"headers":{');
}

/**
 * Writes one header, `"Name":["value",...]`, with a comma before it unless
 * it is the first. `more` holds the values after `value`, if any.
 */
export function writeHeader(w: Utf8Writer, first: bool, name: string, value: string, more: string[] | null): void {
  if (!first) w.byte(0x2c);
  w.jsonString(name);
  w.text(":[");
  w.jsonString(value);
  if (more !== null) {
    // A guarded do-while: a for loop's head would also run for the test that
    // ends it, and each pass through a loop's head is an exit to the host
    // under WithCloseOnContextDone.
    const n = more.length;
    if (n > 0) {
      let i = 0;
      do {
        w.byte(0x2c);
        w.jsonString(more[i]);
      } while (++i < n);
    }
  }
  w.byte(0x5d); // ]
}

/** Writes the headers of a Map (`values` may be empty), after writeResponseStart. */
export function writeHeaderMap(w: Utf8Writer, headers: Map<string, string[]>): void {
  const names = headers.keys();
  const values = headers.values();
  for (let i = 0, n = names.length; i < n; i++) {
    const list = values[i];
    if (i > 0) w.byte(0x2c);
    w.jsonString(names[i]);
    w.text(":[");
    for (let j = 0, m = list.length; j < m; j++) {
      if (j > 0) w.byte(0x2c);
      w.jsonString(list[j]);
    }
    w.byte(0x5d);
  }
}

/** Writes `},"body":"..."}` (and the encoding of a binary body), after the headers. */
export function writeResponseEnd(w: Utf8Writer, text: string, binary: Uint8Array | null): void {
  w.text('},"body":');
  if (binary !== null) {
    const size = base64Size(binary.length);
    w.reserve(size + 2);
    store<u8>(w.ptr++, 0x22);
    w.ptr = writeBase64(w.ptr, binary);
    store<u8>(w.ptr++, 0x22);
    w.text(',"body_encoding":"base64"');
  } else {
    w.jsonString(text);
  }
  w.byte(0x7d); // }
}

/** A first guess of the response's size, so that the buffer rarely grows. */
export function responseSizeHint(headerCount: i32, text: string, binary: Uint8Array | null): usize {
  const body = binary !== null ? base64Size(binary.length) + 25 : <usize>text.length;
  return 64 + <usize>headerCount * 96 + body;
}
