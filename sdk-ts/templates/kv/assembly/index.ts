import { JSON } from "json-as";
import { serve, Request, Response, Router, kv, KvStore } from "gojinn";

// Notes in a key-value store: the store "notes" is granted in the Caddyfile
// (`kv notes`) and lives on the host, so notes outlive the request.

@json
class NoteList {
  notes: string[] = [];
}

function notes(): KvStore {
  return kv.open("notes");
}

// A failed call: kv.lastError() says why ("denied", "unavailable", ...).
function failed(): Response {
  return Response.text('{"error":"' + kv.lastError()! + '"}\n', 503).setHeader("Content-Type", "application/json");
}

function list(req: Request): Response {
  const result = new NoteList();
  result.notes = notes().keys();
  if (kv.lastError() !== null) return failed();
  return Response.json<NoteList>(result);
}

function read(req: Request): Response {
  const text = notes().get(req.param("name")!);
  if (text !== null) return Response.text(text);
  return kv.lastError() == "not_found" ? Response.text("no such note\n", 404) : failed();
}

function write(req: Request): Response {
  const name = req.param("name")!;
  // `If-None-Match: *` creates only: a note that exists is not overwritten.
  if (req.header("If-None-Match") == "*") {
    if (notes().create(name, req.text())) return Response.empty(201);
    return kv.lastError() == "exists" ? Response.text("the note exists\n", 412) : failed();
  }
  return notes().set(name, req.text()) ? Response.empty(204) : failed();
}

function remove(req: Request): Response {
  return notes().delete(req.param("name")!) ? Response.empty(204) : failed();
}

serve(new Router().get("/", list).get("/notes/:name", read).put("/notes/:name", write).delete("/notes/:name", remove));
