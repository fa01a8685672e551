import { Request } from "./request";
import { Response } from "./response";
import { Handler } from "./serve";
import { indexOfChar } from "./strings";
import { percentDecode } from "./uri";

// What a pattern segment is (see matchSegments).
// @ts-ignore: decorator
@inline const LITERAL = 0;
// @ts-ignore: decorator
@inline const PARAM = 1;
// @ts-ignore: decorator
@inline const REST = 2;

/** One registered route: a method, a pattern split into segments, a handler. */
class Route {
  /** Per segment: LITERAL, PARAM (`:name`) or REST (a final `*`). */
  kinds: i32[];
  /** Per segment: the literal text, or the parameter's name (`*` for REST). */
  texts: string[];

  constructor(
    public method: string,
    segments: string[],
    public handler: Handler,
  ) {
    const n = segments.length;
    this.kinds = new Array<i32>(n);
    this.texts = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      const p = segments[i];
      if (p == "*" && i == n - 1) {
        this.kinds[i] = REST;
        this.texts[i] = "*";
      } else if (p.startsWith(":")) {
        this.kinds[i] = PARAM;
        this.texts[i] = p.substring(1);
      } else {
        this.kinds[i] = LITERAL;
        this.texts[i] = p;
      }
    }
  }
}

// The segments of a path: "/a/b/" gives ["a", "b"], "/" gives [""].
function splitPath(path: string): string[] {
  const parts = new Array<string>();
  let end = path.length;
  if (end == 0) return parts;
  if (end > 1 && path.charCodeAt(end - 1) == 0x2f) end--;
  let start = path.charCodeAt(0) == 0x2f ? 1 : 0;
  while (true) {
    let slash = indexOfChar(path, 0x2f, start);
    if (slash < 0 || slash >= end) slash = end;
    parts.push(path.substring(start, slash));
    if (slash >= end) break;
    start = slash + 1;
  }
  return parts;
}

/**
 * Whether `segments` match `route`'s pattern: `:name` matches one non-empty
 * segment, a final `*` the rest of the path (even nothing).
 */
function matchSegments(route: Route, segments: string[]): bool {
  const kinds = route.kinds;
  const texts = route.texts;
  const n = kinds.length;
  for (let i = 0; i < n; i++) {
    const kind = kinds[i];
    if (kind == REST) return true;
    if (i >= segments.length) return false;
    if (kind == PARAM) {
      if (segments[i].length == 0) return false;
    } else if (texts[i] != segments[i]) {
      return false;
    }
  }
  return n == segments.length;
}

/** The parameters of a route matchSegments matched, percent-decoded. */
function paramsOf(route: Route, segments: string[]): Map<string, string> {
  const params = new Map<string, string>();
  const kinds = route.kinds;
  for (let i = 0; i < kinds.length; i++) {
    if (kinds[i] == REST) params.set("*", percentDecode(segments.slice(i).join("/")));
    else if (kinds[i] == PARAM) params.set(route.texts[i], percentDecode(segments[i]));
  }
  return params;
}

/**
 * A small router: routes by method and path pattern, with path parameters.
 *
 * ```ts
 * const router = new Router()
 *   .get("/users/:id", getUser)
 *   .post("/users", createUser);
 * serve(router);
 * ```
 *
 * A path no route matches gets 404; a path that matches only routes of other
 * methods gets 405 with an `Allow` header. `HEAD` falls back to the `GET`
 * route, and `OPTIONS` without a route answers 204 with `Allow`.
 */
export class Router {
  private routes: Route[] = new Array<Route>();
  private prefixes: string[] = new Array<string>();
  private notFoundHandler: Handler | null = null;

  /** Adds a route for `method` (any case) and `pattern` (`/users/:id`, `/files/*`). */
  on(method: string, pattern: string, handler: Handler): Router {
    this.routes.push(new Route(method.toUpperCase(), splitPath(pattern), handler));
    return this;
  }

  /** Adds a GET route (also answers HEAD). */
  get(pattern: string, handler: Handler): Router {
    return this.on("GET", pattern, handler);
  }

  /** Adds a POST route. */
  post(pattern: string, handler: Handler): Router {
    return this.on("POST", pattern, handler);
  }

  /** Adds a PUT route. */
  put(pattern: string, handler: Handler): Router {
    return this.on("PUT", pattern, handler);
  }

  /** Adds a PATCH route. */
  patch(pattern: string, handler: Handler): Router {
    return this.on("PATCH", pattern, handler);
  }

  /** Adds a DELETE route. */
  delete(pattern: string, handler: Handler): Router {
    return this.on("DELETE", pattern, handler);
  }

  /** Adds a HEAD route (otherwise HEAD uses the GET route). */
  head(pattern: string, handler: Handler): Router {
    return this.on("HEAD", pattern, handler);
  }

  /** Adds an OPTIONS route (otherwise OPTIONS answers 204 with Allow). */
  options(pattern: string, handler: Handler): Router {
    return this.on("OPTIONS", pattern, handler);
  }

  /** Adds a route for every method. */
  all(pattern: string, handler: Handler): Router {
    return this.on("*", pattern, handler);
  }

  /**
   * Also matches every route under `prefix`: `/api/users/1` is routed as
   * `/users/1`. Paths without the prefix still match, so the same handler
   * works under Caddy's `handle_path /api/*` (prefix stripped) and `handle
   * /api/*` (prefix kept).
   */
  stripPrefix(prefix: string): Router {
    if (prefix.endsWith("/")) prefix = prefix.substring(0, prefix.length - 1);
    this.prefixes.push(prefix);
    return this;
  }

  /** Replaces the default 404 answer. */
  notFound(handler: Handler): Router {
    this.notFoundHandler = handler;
    return this;
  }

  private pathFor(rawPath: string): string {
    for (let i = 0; i < this.prefixes.length; i++) {
      const prefix = this.prefixes[i];
      if (rawPath == prefix) return "/";
      if (rawPath.startsWith(prefix + "/")) return rawPath.substring(prefix.length);
    }
    return rawPath;
  }

  /** Routes `req` to its handler and returns the handler's response. */
  handle(req: Request): Response {
    const segments = splitPath(this.pathFor(req.rawPath));
    const method = req.method;
    const allowed = new Array<string>();
    let fallback: Route | null = null;
    const routes = this.routes;
    for (let i = 0; i < routes.length; i++) {
      const route = routes[i];
      if (!matchSegments(route, segments)) continue;
      if (route.method == method || route.method == "*") {
        req.params = paramsOf(route, segments);
        return route.handler(req);
      }
      if (method == "HEAD" && route.method == "GET" && fallback === null) fallback = route;
      if (!allowed.includes(route.method)) allowed.push(route.method);
    }
    if (fallback !== null) {
      req.params = paramsOf(fallback, segments);
      return fallback.handler(req);
    }
    if (allowed.length == 0) {
      const custom = this.notFoundHandler;
      if (custom !== null) return custom(req);
      return Response.text("Not Found", 404);
    }
    if (allowed.includes("GET") && !allowed.includes("HEAD")) allowed.push("HEAD");
    if (!allowed.includes("OPTIONS")) allowed.push("OPTIONS");
    const allow = allowed.join(", ");
    if (method == "OPTIONS") return Response.empty(204).setHeader("Allow", allow);
    return Response.text("Method Not Allowed", 405).setHeader("Allow", allow);
  }
}
