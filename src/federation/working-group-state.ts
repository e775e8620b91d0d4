// A linked working group's state as its Group document says: goal, end
// date and archived state. Read from the document the network reader
// fetches anyway when it verifies a link (no request of its own), and kept
// only for Groups that carry working-group terms.
import type { Context } from "@fedify/fedify";
import type { AppServices } from "../services.ts";
import { PRAXIS_NS } from "./group-extensions.ts";

type Json = Record<string, any>;

function first(v: unknown): unknown {
  return Array.isArray(v) ? v[0] : v;
}

function textOf(v: unknown): string | null {
  const f = first(v);
  if (typeof f === "string") return f;
  if (f && typeof f === "object" && typeof (f as Json)["@value"] === "string") return (f as Json)["@value"];
  return null;
}

export function praxisTerm(doc: Json, name: string): unknown {
  return doc[name] ?? doc[`praxis:${name}`] ?? doc[`${PRAXIS_NS}${name}`];
}

function instantOf(v: unknown): string | null {
  const s = textOf(v);
  return s && !Number.isNaN(Date.parse(s)) ? new Date(s).toISOString() : null;
}

/** Stores the Group's working-group terms, if it has any (a Group document fetched from its own origin). */
export async function rememberWorkingGroup(ctx: Context<AppServices>, uri: string, doc: Json): Promise<void> {
  const archived = first(praxisTerm(doc, "archived"));
  const goal = textOf(praxisTerm(doc, "goal"));
  const endsAt = instantOf(praxisTerm(doc, "endsAt"));
  if (archived === undefined && goal === null && endsAt === null && praxisTerm(doc, "deliverables") === undefined) return;
  await ctx.data.repos.deliverables.putGroup({
    uri,
    name: textOf(doc.name) ?? textOf(doc.preferredUsername),
    goal: goal?.slice(0, 2000) ?? null,
    endsAt,
    archivedAt: archived === true ? instantOf(praxisTerm(doc, "archivedAt")) ?? new Date().toISOString() : null,
  });
}
