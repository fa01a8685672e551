import { serve, Request, Response, log } from "gojinn";

// Answers every request, whatever its method and path, with
// 200 "Hello, <name>!" — name from ?name=, "world" by default.
function handle(req: Request): Response {
  const name = req.query("name");
  const who = name !== null && name.length > 0 ? name : "world";
  log.info("greeting " + who);
  return Response.text("Hello, " + who + "!\n").setHeader("X-Trace-Id", req.traceId);
}

serve(handle);
