// Each route is declared once, with its schemas and documented responses: the same declaration
// mounts the Express handler (auth, then validation, then the handler) and feeds GET /openapi.json.
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import type { z } from 'zod';
import { type KeyRing, type Principal, authenticate, principalOf } from './auth';
import { ApiError, type FieldProblem } from './errors';

/** `signature`: HMAC-signed callbacks (checked by the router); `none`: public. */
export type AuthMode = 'any' | 'operator' | 'signature' | 'none';

export interface ResponseDoc {
  description: string;
  schema?: z.ZodType;
  headers?: Record<string, string>;
}

export interface RouteSpec<P, Q, B, A extends AuthMode> {
  method: 'get' | 'post' | 'put';
  /** Relative to the table's prefix, OpenAPI style: `/{id}/cancel`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  auth: A;
  params?: P;
  query?: Q;
  body?: B;
  /** Success answers; the error answers are added from `auth` and the schemas. */
  responses: Record<number, ResponseDoc>;
}

/** A declared route as the OpenAPI builder sees it. */
export interface RouteDoc extends RouteSpec<z.ZodType, z.ZodType, z.ZodType, AuthMode> {
  fullPath: string;
  tag: string;
}

type Out<T> = T extends z.ZodType ? z.output<T> : undefined;

export interface RouteContext<P, Q, B, A extends AuthMode> {
  req: Request;
  res: Response;
  params: Out<P>;
  query: Out<Q>;
  body: Out<B>;
  principal: A extends 'any' | 'operator' ? Principal : undefined;
}

/** At most this many field problems are listed in a 400; the rest are counted, so the answer stays small. */
export const MAX_LISTED_PROBLEMS = 20;

/**
 * Field problems of a failed parse, the root named after the part (`body`, `query`). An unknown field is
 * named itself (`lines`, `customer.nickname`), which is what a client needs to find it.
 */
export function issueProblems(error: z.ZodError, part: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const at = (path: PropertyKey[]) => (path.length > 0 ? path.map(String).join('.') : part);
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push({ path: at([...issue.path, key]), message: 'is not a known field' });
    } else {
      problems.push({ path: at(issue.path), message: issue.message });
    }
  }
  return problems;
}

/** Parses params, query and body together so one 400 names every bad field at once (the first 20 of them). */
export function validate(schemas: { params?: z.ZodType; query?: z.ZodType; body?: z.ZodType }): RequestHandler {
  return (req, _res, next) => {
    const problems: FieldProblem[] = [];
    let unlisted = 0;
    const validated: { params?: unknown; query?: unknown; body?: unknown } = {};
    for (const part of ['params', 'query', 'body'] as const) {
      const schema = schemas[part];
      if (schema === undefined) continue;
      // No body at all is validated as `{}`, so the 400 names each missing field rather than "expected object".
      const value: unknown = part === 'body' && req.body === undefined ? {} : req[part];
      const result = schema.safeParse(value);
      if (result.success) {
        validated[part] = result.data;
        continue;
      }
      // A loop, not push(...spread): a spread of a huge issue list overflows the stack.
      for (const problem of issueProblems(result.error, part)) {
        if (problems.length < MAX_LISTED_PROBLEMS) problems.push(problem);
        else unlisted += 1;
      }
    }
    if (unlisted > 0) problems.push({ path: 'request', message: `${unlisted} more problems not listed` });
    if (problems.length > 0) throw ApiError.validation(problems);
    req.validated = validated;
    next();
  };
}

const toExpressPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1') || '/';

/** A resource's router plus the documentation of every route on it. */
export class RouteTable {
  readonly router: Router = express.Router();
  readonly docs: RouteDoc[] = [];

  constructor(
    readonly prefix: string,
    readonly tag: string,
    private readonly keys: KeyRing,
  ) {}

  /** Mounts a route: authenticate (per `auth`), validate, then the handler with typed input. */
  add<
    P extends z.ZodType | undefined = undefined,
    Q extends z.ZodType | undefined = undefined,
    B extends z.ZodType | undefined = undefined,
    A extends AuthMode = AuthMode,
  >(spec: RouteSpec<P, Q, B, A>, handler: (ctx: RouteContext<P, Q, B, A>) => Promise<void> | void): void {
    const chain: RequestHandler[] = [];
    if (spec.auth === 'any' || spec.auth === 'operator') chain.push(authenticate(this.keys, spec.auth));
    chain.push(validate({ params: spec.params, query: spec.query, body: spec.body }));
    chain.push(async (req, res) => {
      const v = req.validated ?? {};
      const authed = spec.auth === 'any' || spec.auth === 'operator';
      await handler({
        req,
        res,
        params: v.params as Out<P>,
        query: v.query as Out<Q>,
        body: v.body as Out<B>,
        principal: (authed ? principalOf(req) : undefined) as RouteContext<P, Q, B, A>['principal'],
      });
    });
    this.router[spec.method](toExpressPath(spec.path), ...chain);
    this.docs.push({
      ...(spec as RouteSpec<z.ZodType, z.ZodType, z.ZodType, AuthMode>),
      fullPath: `${this.prefix}${spec.path}`,
      tag: this.tag,
    });
  }
}
