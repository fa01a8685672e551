// The HTTP side of `gojinn dev`: each request runs the current module
// through the harness (invoke: a fresh instance, the host's limits and
// failure rules, the session's stores and grants), and is logged on one line.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { invoke, type InvokeResult } from "../testing/invoke.js";
import type { DevSettings } from "./dev-config.js";
import type { LiveDatabases } from "./live-databases.js";
import type { LiveObjects } from "./live-objects.js";
import { LiveStores } from "./live-stores.js";
import { cannedOrNetwork } from "./network-fetch.js";
import { formatRequest, type RequestLine } from "./request-line.js";

/** The host's default `max_body_size`: 10 MB. */
export const DEFAULT_MAX_BODY_BYTES = 10_000_000;

/** What the server runs and where it writes its lines. */
export interface DevServerOptions {
  /** The module to run; read again when it changes (a rebuild replaces it). */
  moduleFile: string;
  /** The current settings (they may be replaced while the server runs). */
  settings: () => DevSettings;
  /** Null when a module is ready; else why there is none (no successful build yet). */
  notReady: () => string | null;
  /** The session's stores. */
  stores: LiveStores;
  /** The session's SQL databases and object stores (none: each run starts from the settings' own). */
  databases?: LiveDatabases;
  objects?: LiveObjects;
  /** Writes one request's lines. */
  log: (text: string) => void;
}

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage, max: number): Promise<Uint8Array> {
  if (Number(req.headers["content-length"] ?? 0) > max) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) throw new BodyTooLarge();
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

// The request headers as Go's net/http gives them to the host: every value, without Host.
function headersOf(req: IncomingMessage): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    if (name.toLowerCase() === "host") continue;
    (headers[name] ??= []).push(req.rawHeaders[i + 1]!);
  }
  return headers;
}

function answer(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8" }).end(text);
}

async function serve(req: IncomingMessage, res: ServerResponse, options: DevServerOptions): Promise<void> {
  const started = performance.now();
  const line: RequestLine = { method: req.method ?? "GET", target: req.url ?? "/", status: 0, ms: 0, fuel: null };
  let result: InvokeResult | undefined;
  try {
    const settings = options.settings();
    const notReady = options.notReady();
    if (notReady !== null) {
      line.status = 503;
      line.failure = `no module: ${notReady}`;
      answer(res, 503, "gojinn dev: no module to serve yet (the build failed: see the terminal)\n");
      return;
    }
    let body: Uint8Array;
    try {
      body = await readBody(req, settings.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
    } catch (err) {
      if (!(err instanceof BodyTooLarge)) throw err;
      line.status = 413;
      line.failure = "body_limit: the request body is larger than max_body_size";
      answer(res, 413, "Request Entity Too Large");
      return;
    }
    const before = options.stores.snapshot();
    const databases = options.databases?.snapshot();
    const objects = options.objects?.snapshot();
    const { fetchReplies, maxBodyBytes: _, ...invokeOptions } = settings;
    result = await invoke(
      options.moduleFile,
      {
        method: line.method,
        uri: line.target,
        headers: headersOf(req),
        body,
        host: req.headers.host ?? "127.0.0.1",
        remote_addr: `${req.socket.remoteAddress}:${req.socket.remotePort}`,
        proto: `HTTP/${req.httpVersion}`,
      },
      {
        ...invokeOptions,
        kv: before,
        ...(databases ? { databases } : {}),
        ...(objects ? { objects } : {}),
        fetch: cannedOrNetwork(fetchReplies),
      },
    );
    options.stores.merge(before, result.kvBytes);
    if (databases) options.databases!.merge(databases, result.databases);
    if (objects) options.objects!.merge(objects, result.objects);
    line.status = result.status;
    line.fuel = result.fuel;
    if (result.outcome !== "ok") line.failure = `${result.outcome}: ${result.reason}`;
    const headers: Array<[string, string]> = Object.entries(result.headers).flatMap(([n, vs]) => vs.map((v): [string, string] => [n, v]));
    res.writeHead(result.status, headers).end(result.bodyBytes);
  } catch (err) {
    // What the host would refuse at load (a module importing a host
    // function it lacks): a 502 here, the reason in the log line.
    line.status = 502;
    line.failure = `error: ${err instanceof Error ? err.message : String(err)}`;
    if (!res.headersSent) answer(res, 502, "Bad Gateway");
    else res.end();
  } finally {
    line.ms = performance.now() - started;
    options.log(formatRequest(line, result));
  }
}

/** An HTTP server that runs the module once per request. */
export function createDevServer(options: DevServerOptions): Server {
  return createServer((req, res) => void serve(req, res, options));
}
