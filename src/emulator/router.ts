import { methodNotAllowed, notFound } from "./errors";

/** The part of a route the router needs: a method and a path pattern such as `/ai/llm/:id`. */
export interface RouteShape {
  method: string;
  path: string;
}

/** A resolved route with its decoded path parameters. */
export interface RouteMatch<R extends RouteShape> {
  route: R;
  params: Record<string, string>;
}

interface CompiledRoute<R> {
  route: R;
  segments: string[];
  /** Literal segments count: `/ai/llm/available` must win over `/ai/llm/:id`. */
  literals: number;
}

/**
 * A method + path table. Unknown paths become 404 and known paths with another method 405
 * (with `Allow`), both as the API's error envelope, so every route table shares one
 * behaviour for the cases no handler covers.
 */
export class Router<R extends RouteShape> {
  readonly #routes: CompiledRoute<R>[];

  /** @param routes - The table; patterns use `:name` for a parameter segment. */
  constructor(routes: readonly R[]) {
    this.#routes = routes
      .map((route) => {
        const segments = splitPath(route.path);
        return { route, segments, literals: segments.filter((s) => !s.startsWith(":")).length };
      })
      .sort((a, b) => b.literals - a.literals);
  }

  /** The route for this request, or a 404/405 {@link EmulatorHttpError}. */
  resolve(method: string, pathname: string): RouteMatch<R> {
    const parts = splitPath(pathname);
    const allowed = new Set<string>();
    for (const compiled of this.#routes) {
      const params = matchSegments(compiled.segments, parts);
      if (!params) continue;
      if (compiled.route.method === method) return { route: compiled.route, params };
      allowed.add(compiled.route.method);
    }
    if (allowed.size === 0) throw notFound(`No route for ${method} ${pathname}`);
    throw methodNotAllowed(method, pathname, [...allowed]);
  }
}

/** Splits a path into segments; one trailing slash is ignored, as most HTTP routers do. */
function splitPath(path: string): string[] {
  const trimmed = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  return trimmed.split("/").slice(1);
}

function matchSegments(
  pattern: readonly string[],
  parts: readonly string[],
): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i];
    if (expected.startsWith(":")) {
      if (parts[i] === "") return undefined;
      params[expected.slice(1)] = decodeSegment(parts[i]);
    } else if (expected !== parts[i]) {
      return undefined;
    }
  }
  return params;
}

/** A malformed escape is kept as sent: it then simply matches no stored id. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
