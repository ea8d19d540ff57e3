import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { identifier } from '../../protocol/schemas.js';
import { AppError } from '../../domain/errors.js';
import type { Principal } from '../../services/accounts.js';
import { describeIssues, LoneSurrogateError, parseJson } from '../validation.js';
import type { AppEnv, GatewayContext } from './context.js';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** A documented response of a route. */
export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
}

/** What a handler receives: validated input and, for authenticated routes, the principal. */
export interface HandlerInput<B, Q, A extends boolean, P = Record<string, string>> {
  c: Context<AppEnv>;
  ctx: GatewayContext;
  body: B;
  query: Q;
  params: P;
  principal: A extends true ? Principal : Principal | undefined;
}

/** One REST route: its schemas drive validation and the OpenAPI document (rule H1). */
export interface RouteSpec<
  B extends z.ZodType | undefined,
  Q extends z.ZodType | undefined,
  A extends boolean,
  P extends z.ZodType | undefined = undefined,
> {
  method: Method;
  path: string;
  summary: string;
  tag: string;
  auth: A;
  body?: B;
  /**
   * A body that is not JSON (a file upload's raw bytes): documented as such, never parsed by
   * the router; the handler reads the request stream itself.
   */
  rawBody?: { contentType: string; description: string };
  query?: Q;
  /**
   * The path parameters' schema. Without one, every parameter must still be one line of the
   * S6 alphabet: no id or name reaches a service (or an engine) unchecked.
   */
  params?: P;
  responses: Record<number, ResponseSpec>;
  handler: (
    input: HandlerInput<
      B extends z.ZodType ? z.infer<B> : undefined,
      Q extends z.ZodType ? z.infer<Q> : undefined,
      A,
      P extends z.ZodType ? z.infer<P> : Record<string, string>
    >,
  ) => Promise<Response> | Response;
}

/** A route with its type parameters erased, as kept in the registry. */
export type AnyRoute = RouteSpec<
  z.ZodType | undefined,
  z.ZodType | undefined,
  boolean,
  z.ZodType | undefined
>;

/** The check of path parameters for routes that declare no schema of their own. */
const AnyParams = z.record(z.string(), identifier(1024, 0));

/** Declares a route; the identity function gives the handler its inferred input types. */
export function defineRoute<
  B extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  A extends boolean = true,
  P extends z.ZodType | undefined = undefined,
>(spec: RouteSpec<B, Q, A, P>): AnyRoute {
  return spec;
}

/** Registers `routes` on `app`: parse and validate, authenticate, then call the handler. */
export function mountRoutes(app: Hono<AppEnv>, ctx: GatewayContext, routes: AnyRoute[]): void {
  for (const route of routes) {
    app.on(route.method.toUpperCase(), route.path, async (c) => {
      const principal = c.get('principal');
      if (route.auth && !principal) throw new AppError('unauthorized');
      const body = route.body ? parse(route.body, await readJson(c), 'body') : undefined;
      const query = route.query ? parse(route.query, c.req.query(), 'query') : undefined;
      const params = parse(route.params ?? AnyParams, c.req.param(), 'path');
      return route.handler({
        c,
        ctx,
        body,
        query,
        params,
        principal,
      });
    });
  }
}

function parse(schema: z.ZodType, value: unknown, where: string): unknown {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new AppError('invalid_request', `invalid ${where}: ${describeIssues(result.error)}`);
  return result.data;
}

async function readJson(c: Context<AppEnv>): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  try {
    return parseJson(text);
  } catch (err) {
    if (err instanceof LoneSurrogateError)
      throw new AppError('invalid_request', err.message, { cause: err });
    throw new AppError('invalid_json', undefined, { cause: err });
  }
}
