import { Request } from "./request";
import { Response } from "./response";
import { Handler } from "./serve";
import { percentDecode } from "./uri";

/** One registered route: a method, a pattern split into segments, a handler. */
class Route {
  constructor(
    public method: string,
    public segments: string[],
    public handler: Handler,
  ) {}
}

function splitPath(path: string): string[] {
  if (path.length > 1 && path.endsWith("/")) path = path.substring(0, path.length - 1);
  const parts = path.split("/");
  // "/a/b" splits into ["", "a", "b"]: drop the empty first part.
  if (parts.length > 0 && parts[0].length == 0) parts.shift();
  return parts;
}

/**
 * Matches `segments` against `pattern`; on success fills `params` and returns
 * true. `:name` captures one segment (percent-decoded); a final `*` captures
 * the rest of the path as param `*`.
 */
function matchSegments(pattern: string[], segments: string[], params: Map<string, string>): bool {
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p == "*" && i == pattern.length - 1) {
      params.set("*", percentDecode(segments.slice(i).join("/")));
      return true;
    }
    if (i >= segments.length) return false;
    if (p.startsWith(":")) {
      if (segments[i].length == 0) return false;
      params.set(p.substring(1), percentDecode(segments[i]));
    } else if (p != segments[i]) {
      return false;
    }
  }
  return pattern.length == segments.length;
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
    for (let i = 0; i < this.routes.length; i++) {
      const route = this.routes[i];
      const params = new Map<string, string>();
      if (!matchSegments(route.segments, segments, params)) continue;
      if (route.method == method || route.method == "*") {
        req.params = params;
        return route.handler(req);
      }
      if (method == "HEAD" && route.method == "GET" && fallback === null) {
        fallback = route;
        req.params = params;
      }
      if (!allowed.includes(route.method)) allowed.push(route.method);
    }
    if (fallback !== null) return fallback.handler(req);
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
