// What the admin API's routers share: the caller (set by the bearer-token
// middleware), JSON errors, zod validation that names the offending field,
// and the scope rules (operators everywhere, moderators in their communities).
import type { Context } from "hono";
import type { z } from "zod";
import { type Community, ValidationError } from "../../domain/community.ts";
import { mayModerateCommunity, mayOperateInstance, type Principal } from "../../domain/credentials.ts";
import { accountActor } from "../../operations/audit.ts";
import { getCommunity, type Operations } from "../../operations/communities.ts";

export interface AdminEnv {
  Variables: {
    principal: Principal;
    tokenId: string;
    ops: Operations;
  };
}

export type AdminContext = Context<AdminEnv>;

/** An error the API answers as JSON: `{ error, message, field? }`. */
export class ApiError extends Error {
  override name = "ApiError";
  readonly status: 400 | 401 | 403 | 404 | 409 | 413;
  readonly code: string;
  readonly field: string | undefined;
  constructor(status: ApiError["status"], code: string, message: string, field?: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

export const forbidden = (message: string) => new ApiError(403, "forbidden", message);

function firstIssue(error: z.ZodError, where: string): ApiError {
  const issue = error.issues[0];
  // An unknown key is named itself, so a typo is easy to spot.
  const field = issue?.code === "unrecognized_keys" ? issue.keys[0]
    : issue?.path.length ? issue.path.join(".") : where;
  return new ApiError(400, "invalid_request", `${field}: ${issue?.message ?? "invalid"}`, field);
}

/** Parses the JSON body with `schema`; a 400 names the field that is wrong. */
export async function jsonBody<T extends z.ZodType>(c: AdminContext, schema: T): Promise<z.output<T>> {
  let raw: unknown;
  const text = await c.req.text();
  try {
    raw = text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    throw new ApiError(400, "invalid_request", "body: expected a JSON object", "body");
  }
  const result = schema.safeParse(raw);
  if (!result.success) throw firstIssue(result.error, "body");
  return result.data;
}

/** Parses the query string with `schema`. */
export function queryParams<T extends z.ZodType>(c: AdminContext, schema: T): z.output<T> {
  const result = schema.safeParse(c.req.query());
  if (!result.success) throw firstIssue(result.error, "query");
  return result.data;
}

export function requireOperator(c: AdminContext): Principal {
  const principal = c.get("principal");
  if (!mayOperateInstance(principal)) throw forbidden("This needs an operator's token.");
  return principal;
}

/** The community named in the path, if the caller may act on it (404 unknown, 403 not theirs). */
export async function communityInScope(c: AdminContext, slug: string): Promise<Community> {
  const community = await getCommunity(c.get("ops"), slug);
  if (!mayModerateCommunity(c.get("principal"), community.id)) {
    throw forbidden(`${c.get("principal").username} does not moderate ${slug}.`);
  }
  return community;
}

/** The audit name of the caller. */
export const caller = (c: AdminContext) => accountActor(c.get("principal").username);

/**
 * Runs an operation whose ValidationErrors name CLI options ("object-uri",
 * "remove-post"), answering with the API's field names instead.
 */
export async function apiFields<T>(renames: Record<string, string>, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ValidationError && error.field in renames) {
      const field = renames[error.field];
      const detail = error.message.startsWith(`${error.field}: `) ? error.message.slice(error.field.length + 2) : error.message;
      throw new ApiError(400, "invalid_request", `${field}: ${detail}`, field);
    }
    throw error;
  }
}

/** An actor URI or `@user@host` in a path segment (URL-encoded by the caller). */
export function actorParam(c: AdminContext): string {
  const actor = c.req.param("actor") ?? "";
  if (actor.length === 0 || actor.length > 2048) throw new ApiError(400, "invalid_request", "actor: expected an actor URI or @user@host", "actor");
  return actor;
}
