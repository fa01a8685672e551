// The handler behind contract/vectors/*.json: one path per behaviour the
// contract defines, good and bad. See contract/README.md for the list.
import { JSON } from "json-as";
import { Request, Response, log, readRequest, writeResponse, encodeBase64, percentDecode } from "gojinn";

@json
class Echo {
  method: string = "";
  uri: string = "";
  path: string = "";
  query: Map<string, string[]> = new Map<string, string[]>();
  headers: Map<string, string[]> = new Map<string, string[]>();
  body: string = "";
  body_base64: string = "";
  body_length: i32 = 0;
}

@json
class EnvReport {
  greeting: string = "";
  args: string[] = [];
}

function queryOf(req: Request): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const raw = req.rawQuery;
  if (raw.length == 0) return out;
  const parts = raw.split("&");
  for (let i = 0; i < parts.length; i++) {
    const eq = parts[i].indexOf("=");
    const name = eq < 0 ? parts[i] : parts[i].substring(0, eq);
    const decoded = percentDecode(name, true);
    if (!out.has(decoded)) out.set(decoded, req.queryAll(decoded));
  }
  return out;
}

function echo(req: Request): Response {
  const e = new Echo();
  e.method = req.method;
  e.uri = req.uri;
  e.path = req.path;
  e.query = queryOf(req);
  e.headers = req.headers;
  // A binary body is reported by body_base64 only: how invalid UTF-8 would
  // decode to text is not part of the contract.
  e.body = req.wire.body_encoding == "base64" ? "" : req.text();
  e.body_base64 = encodeBase64(req.bytes());
  e.body_length = req.bytes().length;
  return Response.json<Echo>(e);
}

function binary(): Response {
  const bytes = new Uint8Array(256);
  for (let i = 0; i < 256; i++) bytes[i] = <u8>i;
  return Response.bytes(bytes, 200, "application/octet-stream");
}

function env(): Response {
  const r = new EnvReport();
  r.greeting = process.env.has("GREETING") ? process.env.get("GREETING") : "";
  r.args = process.argv;
  return Response.json<EnvReport>(r);
}

function writeRaw(text: string): void {
  process.stdout.write(text);
}

/** Writes bytes to stdout as they are. */
function writeRawBytes(bytes: Uint8Array): void {
  process.stdout.write(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

let spins: i32 = 0;

function main(): void {
  const req = readRequest();
  const path = req.path;
  if (path == "/echo") {
    writeResponse(echo(req));
  } else if (path == "/echo-bytes") {
    writeResponse(Response.bytes(req.bytes(), 200, "application/octet-stream"));
  } else if (path.startsWith("/status/")) {
    const status = I32.parseInt(path.substring(8));
    writeResponse(Response.text("status " + status.toString(), status));
  } else if (path == "/binary") {
    writeResponse(binary());
  } else if (path == "/utf8") {
    writeResponse(Response.text("héllo wörld ✓ 😀 日本語 🎉"));
  } else if (path == "/headers") {
    writeResponse(
      Response.text("headers")
        .appendHeader("X-Multi", "a")
        .appendHeader("x-multi", "b")
        .setHeader("x-single", "one")
        .setHeader("Connection", "close"),
    );
  } else if (path.startsWith("/exit/")) {
    writeResponse(Response.text("exiting"));
    process.exit(I32.parseInt(path.substring(6)));
  } else if (path == "/trap") {
    unreachable();
  } else if (path == "/garbage") {
    writeRaw('oops {"status":200}');
  } else if (path == "/two") {
    writeRaw('{"status":200}{"status":201}');
  } else if (path == "/empty") {
    // writes nothing at all
  } else if (path == "/raw") {
    writeRawBytes(req.bytes());
  } else if (path == "/bad-header") {
    writeRaw('{"status":200,"headers":{"X-A":"b"}}');
  } else if (path == "/bad-status") {
    writeRaw('{"status":42}');
  } else if (path == "/bad-encoding") {
    writeRaw('{"status":200,"body":"aGk=","body_encoding":"hex"}');
  } else if (path == "/bad-base64") {
    writeRaw('{"status":200,"body":"not base64!","body_encoding":"base64"}');
  } else if (path == "/loop") {
    while (spins >= 0) spins = (spins + 1) & 0xffff;
  } else if (path == "/big") {
    writeResponse(Response.text("x".repeat(2 * 1024 * 1024)));
  } else if (path == "/throw") {
    throw new Error("thrown on purpose");
  } else if (path == "/env") {
    writeResponse(env());
  } else if (path == "/log") {
    log.debug("a debug line");
    log.info("an info line");
    log.warn("a warn line");
    log.error('an error line with "quotes" and ünïcode 😀');
    writeResponse(Response.text("logged"));
  } else {
    writeResponse(Response.text("no such contract path: " + path, 404));
  }
}

main();
