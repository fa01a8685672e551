// Writes the response JSON straight into one UTF-8 buffer (see utf8.ts's
// Utf8Writer): no UTF-16 copy of it is ever made. json-as serializes to a
// UTF-16 string through a growing buffer, which then has to be copied and
// converted: with `--runtime stub` (nothing is freed) that cost ~130 MB of
// linear memory for a 5 MB body, and one loop iteration per character.

import { base64Size, writeBase64 } from "./base64";
import { Utf8Writer } from "./utf8";

/**
 * Writes the response object of the contract:
 * `{"status":N,"headers":{...},"body":"..."}`, with `"body_encoding":"base64"`
 * and the body base64-encoded when `binary` is given. `names[i]` has the
 * values `values[i]`.
 */
export function writeResponseJson(w: Utf8Writer, status: i32, names: string[], values: Array<string[]>, text: string, binary: Uint8Array | null): void {
  w.text('{"status":');
  w.int(status);
  w.text(',"headers":{');
  // Loops written as guarded do-whiles: each pass through a loop's head is
  // an exit to the host under WithCloseOnContextDone, and a for loop's head
  // also runs for the test that ends it.
  const n = names.length;
  if (n > 0) {
    let i = 0;
    do {
      if (i > 0) w.byte(0x2c);
      w.jsonString(names[i]);
      w.text(":[");
      const list = values[i];
      const count = list.length;
      if (count > 0) {
        w.jsonString(list[0]);
        if (count > 1) {
          let j = 1;
          do {
            w.byte(0x2c);
            w.jsonString(list[j]);
          } while (++j < count);
        }
      }
      w.byte(0x5d); // ]
    } while (++i < n);
  }
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
