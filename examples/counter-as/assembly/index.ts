import { serve, Request, Response, kv, log } from "gojinn";

// A visit counter: every request adds one to "visits" in the store
// "counter" (granted with `kv counter`) and answers {"visits":N}. The
// increment is atomic on the host, so concurrent requests never lose one.
function handle(req: Request): Response {
  const visits = kv.open("counter").increment("visits");
  const error = kv.lastError();
  if (error !== null) {
    log.error("counter: " + error);
    return Response.text('{"error":"' + error + '"}\n', 503).setHeader("Content-Type", "application/json");
  }
  return Response.text('{"visits":' + visits.toString() + "}\n").setHeader("Content-Type", "application/json");
}

serve(handle);
