import { serve, Request, Response } from "gojinn";
import { sha256, toHex } from "./sha256";

// Answers any request with 200 and the SHA-256 of its body (the bytes
// received: a binary body is hashed as sent) in lower-case hex.
function handle(req: Request): Response {
  return Response.text(toHex(sha256(req.bytes())));
}

serve(handle);
