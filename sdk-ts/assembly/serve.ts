import { markAnswered } from "./failure";
import { setLogTraceId } from "./log";
import { Request } from "./request";
import { Response } from "./response";
import { readLength, readToHeap, STDIN, STDOUT, writeAll } from "./stdio";
import { decodeRequest } from "./wire";

/** A request handler: a plain function from request to response. */
export type Handler = (req: Request) => Response;

/** Reads and decodes the request the host wrote to stdin. */
export function readRequest(): Request {
  const json = readToHeap(STDIN);
  const wire = decodeRequest(json, readLength());
  setLogTraceId(wire.trace_id);
  return new Request(wire);
}

/** Writes `response` to stdout as the one JSON object the host reads. */
export function writeResponse(response: Response): void {
  const w = response.newWriter();
  response.writeTo(w);
  markAnswered();
  writeAll(STDOUT, w.start, w.length);
}

/**
 * Runs one request through `handler`: reads stdin to its end, decodes the
 * request, calls the handler and writes exactly one JSON response to stdout.
 * `handler` is a function `(req: Request) => Response` or a `Router`.
 * If the handler throws, the client gets a 500 and the error is logged.
 */
export function serve<T>(handler: T): void {
  const req = readRequest();
  let res: Response;
  if (isFunction<T>()) {
    // @ts-ignore: T is a Handler here
    res = handler(req);
  } else {
    // @ts-ignore: T is a Router (or anything with handle(req): Response)
    res = handler.handle(req);
  }
  writeResponse(res);
}
