import { markAnswered } from "./failure";
import { setLogTraceId } from "./log";
import { Request } from "./request";
import { Response } from "./response";
import { readLength, readToHeap, STDIN, STDOUT, writeAll } from "./stdio";
import { decodeRequest } from "./wire";

// The handler serve() was given (see there).
// @ts-ignore: decorator
@lazy const handlerCell = memory.data(sizeof<usize>());

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
  let res: Response;
  if (isFunction<T>()) {
    const req = readRequest();
    // @ts-ignore: T is a Handler here
    res = handler(req);
  } else {
    // A Router goes through static memory rather than a local: gojinn build
    // runs everything before the read of stdin once, at build time
    // (src/wasm/pre-evaluate.ts), which carries memory over but not locals;
    // so a Router built in the call, `serve(new Router()...)`, is built then.
    // (A function needs no such thing: it is a constant.)
    store<usize>(handlerCell, changetype<usize>(handler));
    const req = readRequest();
    // @ts-ignore: T is a Router (or anything with handle(req): Response)
    res = changetype<T>(load<usize>(handlerCell)).handle(req);
  }
  writeResponse(res);
}
