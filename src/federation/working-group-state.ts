// A linked working group's state as its Group document says: goal, end
// date and archived state. Read from the document the network reader
// fetches anyway when it verifies a link (no request of its own), and kept
// only for Groups that carry working-group terms.
import type { Context } from "@fedify/fedify";
import type { AppServices } from "../services.ts";
import { first, praxisValue, textOf } from "./json-values.ts";

type Json = Record<string, any>;

function instantOf(v: unknown): string | null {
  const s = textOf(v);
  return s && !Number.isNaN(Date.parse(s)) ? new Date(s).toISOString() : null;
}

/** Stores the Group's working-group terms, if it has any (a Group document fetched from its own origin). */
export async function rememberWorkingGroup(ctx: Context<AppServices>, uri: string, doc: Json): Promise<void> {
  const archived = first(praxisValue(doc, "archived"));
  const goal = textOf(praxisValue(doc, "goal"));
  const endsAt = instantOf(praxisValue(doc, "endsAt"));
  if (archived === undefined && goal === null && endsAt === null && praxisValue(doc, "deliverables") === undefined) return;
  await ctx.data.repos.deliverables.putGroup({
    uri,
    name: textOf(doc.name) ?? textOf(doc.preferredUsername),
    goal: goal?.slice(0, 2000) ?? null,
    endsAt,
    archivedAt: archived === true ? instantOf(praxisValue(doc, "archivedAt")) ?? new Date().toISOString() : null,
  });
}
