import { ai_chat, fetch_body, fetch_close, outCell, outU32, STATUS_BUFFER_TOO_SMALL, STATUS_OK, statusName } from "./abi";
import { decodeUtf8, Utf8Writer } from "./utf8";

// The last chat's status (i32 at 0): static memory rather than a global
// (every global costs the host allocations at each instantiation).
// @ts-ignore: decorator
@lazy const lastCell = memory.data(4);

/** One message of a chat: its role (`system`, `user`, `assistant`) and its text. */
export class Message {
  constructor(
    public role: string,
    public content: string,
  ) {}
}

/** Chat completions through the gojinn app's OpenAI-compatible endpoint (docs/ai.md). */
export namespace ai {
  /**
   * Asks the endpoint to complete the conversation, with `model` or, when
   * it is "", the `ai` block's default model, and returns the answer's
   * text (never cached). The handler must be granted `ai`. Null on a
   * failure, and `ai.lastError()` says why.
   *
   * ```ts
   * const answer = ai.chat([new Message("system", "Be brief."), new Message("user", question)]);
   * if (answer === null) return Response.text("ai: " + ai.lastError()!, 502);
   * ```
   */
  export function chat(messages: Message[], model: string = ""): string | null {
    const w = new Utf8Writer(64);
    w.text("{");
    if (model.length > 0) {
      w.text('"model":');
      w.jsonString(model);
      w.text(",");
    }
    w.text('"messages":[');
    for (let i = 0, n = messages.length; i < n; i++) {
      if (i > 0) w.byte(0x2c);
      w.text('{"role":');
      w.jsonString(messages[i].role);
      w.text(',"content":');
      w.jsonString(messages[i].content);
      w.byte(0x7d);
    }
    w.text("]}");
    let status = ai_chat(w.start, w.length, outCell);
    store<i32>(lastCell, status);
    if (status != STATUS_OK) return null;
    const handle = outU32(0);
    let cap = <usize>outU32(4);
    let buf = __new(cap, idof<ArrayBuffer>());
    status = fetch_body(handle, buf, cap, outCell);
    while (status == STATUS_BUFFER_TOO_SMALL) {
      cap = <usize>outU32();
      buf = __new(cap, idof<ArrayBuffer>());
      status = fetch_body(handle, buf, cap, outCell);
    }
    fetch_close(handle);
    store<i32>(lastCell, status);
    if (status != STATUS_OK) return null;
    return decodeUtf8(buf, <usize>outU32());
  }

  /**
   * What the last `chat` failed with: `"denied"` (no `ai` grant),
   * `"unavailable"` (the endpoint cannot be reached or failed),
   * `"timeout"`, `"too_large"`, `"invalid"`, `"io_error"`
   * (docs/host-abi.md); null when it succeeded or before any call.
   */
  export function lastError(): string | null {
    const status = load<i32>(lastCell);
    return status > 0 ? statusName(status) : null;
  }
}
