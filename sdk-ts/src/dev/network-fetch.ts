import type { FetchHandler, FetchReply, FetchRequest } from "../testing/host/fetch-bridge.js";

/** Sends an outbound request the allow-list let through to the network with Node's fetch (without the host's private-address checks: these are developer tools). */
export function sendToNetwork(req: FetchRequest): Promise<Response> {
  return fetch(req.url, {
    method: req.method,
    headers: Object.entries(req.headers).flatMap(([n, vs]) => vs.map((v): [string, string] => [n, v])),
    ...(req.body.length ? { body: req.body as Uint8Array<ArrayBuffer> } : {}),
  });
}

/** A fetch function that answers from `replies` (longest matching URL prefix first) and sends the rest to the network. */
export function cannedOrNetwork(replies: Record<string, FetchReply> = {}): FetchHandler {
  const prefixes = Object.keys(replies).sort((a, b) => b.length - a.length);
  return (req) => {
    const prefix = prefixes.find((p) => req.url.startsWith(p));
    return prefix !== undefined ? replies[prefix]! : sendToNetwork(req);
  };
}
