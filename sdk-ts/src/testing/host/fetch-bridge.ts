// Outbound requests cross from the guest's worker thread to the thread that
// called `invoke`, where the test's `fetch` function runs (a function cannot
// be sent to a worker, and it may be async). The guest's host call is
// synchronous: the worker posts the request, then sleeps on a shared counter
// (Atomics.wait) until the answer arrives on its own message port.
import { receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import type { Headers } from "../../contract/types.js";
import type { StatusName } from "../../contract/host-abi.js";
import { canonicalHeaderName } from "../../contract/headers.js";

/** An outbound request as the host would send it: what a test's `fetch` function gets. */
export interface FetchRequest {
  method: string;
  url: string;
  /** Header names in canonical form; Host and hop-by-hop headers removed, as the host does. */
  headers: Headers;
  body: Uint8Array;
}

/** What a test's `fetch` function answers: a response (status 200 by default)... */
export interface FetchReply {
  status?: number;
  headers?: Record<string, string | string[]>;
  body?: string | Uint8Array;
}

/** ...or a failure, as the host would report it (`timeout`, `unavailable`, `io_error`...). */
export interface FetchFailure {
  error: StatusName;
}

/** A test's stand-in for the network. A WHATWG `Response` (from `globalThis.fetch`) works too. */
export type FetchHandler = (req: FetchRequest) => FetchReply | FetchFailure | Response | Promise<FetchReply | FetchFailure | Response>;

/** A response as it crosses back to the worker. */
export type BridgeReply = { status: number; headers: Headers; body: Uint8Array } | { error: StatusName; reason: string };

/** The message a worker posts for one request. */
export interface BridgeCall {
  kind: "fetch";
  id: number;
  request: FetchRequest;
}

/** The two ends' shared state: a counter the caller's side bumps after each answer. */
export interface BridgeChannel {
  port: MessagePort;
  signal: SharedArrayBuffer;
}

/**
 * The worker's side: posts `request` through `post` and waits, at most
 * `timeoutMs`, for the answer with the same id; a late answer to an
 * earlier call is skipped. Null when the wait timed out.
 */
export function callThroughBridge(
  channel: BridgeChannel,
  post: (call: BridgeCall) => void,
  id: number,
  request: FetchRequest,
  timeoutMs: number,
): BridgeReply | null {
  const counter = new Int32Array(channel.signal);
  const deadline = performance.now() + timeoutMs;
  let seen = Atomics.load(counter, 0);
  post({ kind: "fetch", id, request });
  for (;;) {
    for (let m = receiveMessageOnPort(channel.port); m !== undefined; m = receiveMessageOnPort(channel.port)) {
      const answer = m.message as { id: number; reply: BridgeReply };
      if (answer.id === id) return answer.reply;
    }
    const left = deadline - performance.now();
    if (left <= 0) return null;
    Atomics.wait(counter, 0, seen, left);
    seen = Atomics.load(counter, 0);
  }
}

/** The caller's side: runs the test's function for one request and sends the answer back. */
export async function answerThroughBridge(channel: BridgeChannel, call: BridgeCall, handler: FetchHandler | undefined): Promise<void> {
  const reply = await replyOf(call.request, handler);
  channel.port.postMessage({ id: call.id, reply });
  const counter = new Int32Array(channel.signal);
  Atomics.add(counter, 0, 1);
  Atomics.notify(counter, 0);
}

async function replyOf(request: FetchRequest, handler: FetchHandler | undefined): Promise<BridgeReply> {
  if (!handler) return { error: "unavailable", reason: "invoke was given no fetch function" };
  let answer: FetchReply | FetchFailure | Response;
  try {
    answer = await handler(request);
  } catch (err) {
    return { error: "io_error", reason: `the fetch function threw: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (typeof Response !== "undefined" && answer instanceof Response) {
    const headers: Headers = {};
    answer.headers.forEach((value, name) => {
      (headers[canonicalHeaderName(name)] ??= []).push(value);
    });
    return { status: answer.status, headers, body: new Uint8Array(await answer.arrayBuffer()) };
  }
  if ("error" in answer) return { error: answer.error, reason: "the fetch function answered a failure" };
  const reply = answer as FetchReply;
  const headers: Headers = {};
  for (const [name, value] of Object.entries(reply.headers ?? {})) {
    (headers[canonicalHeaderName(name)] ??= []).push(...(Array.isArray(value) ? value : [value]));
  }
  const body = reply.body ?? new Uint8Array();
  return {
    status: reply.status ?? 200,
    headers,
    body: typeof body === "string" ? new TextEncoder().encode(body) : body,
  };
}
