// The shared glossary, per community: list (with inherited definitions),
// define (a new version when the term exists), a term's versions, remove.
// A moderator of the community, or an operator. Field errors name the
// field (term, definition, language, source).
import { Hono } from "hono";
import { z } from "zod";
import { defineTerm, listTerms, removeTerm, termHistory } from "../../operations/glossary.ts";
import { type AdminEnv, caller, communityInScope, jsonBody, queryParams } from "./support.ts";

const text = (what: string) => z.string({ error: `required: ${what}` });
const defineBody = z.strictObject({
  term: text("the term"),
  definition: text("the definition"),
  language: z.string({ error: "expected en or fr" }).optional(),
  source: z.string({ error: "expected an http or https URL" }).nullable().optional(),
});
const languageQuery = z.strictObject({ language: z.string({ error: "expected en or fr" }).optional() });

export function glossaryRouter(): Hono<AdminEnv> {
  const r = new Hono<AdminEnv>();

  r.get("/:slug/glossary", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    const { language } = queryParams(c, languageQuery);
    return c.json({ terms: await listTerms(c.get("ops"), community.slug, { language }) });
  });

  r.post("/:slug/glossary", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    const body = await jsonBody(c, defineBody);
    const { entry, changed } = await defineTerm(c.get("ops"), community.slug, body.term,
      { definition: body.definition, language: body.language, source: body.source }, caller(c));
    return c.json({ ...entry, changed }, changed && entry.version === 1 ? 201 : 200);
  });

  r.get("/:slug/glossary/:term/history", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    const { language } = queryParams(c, languageQuery);
    return c.json({ versions: await termHistory(c.get("ops"), community.slug, c.req.param("term"), { language }) });
  });

  r.delete("/:slug/glossary/:term", async (c) => {
    const community = await communityInScope(c, c.req.param("slug"));
    const { language } = queryParams(c, languageQuery);
    return c.json({ removed: await removeTerm(c.get("ops"), community.slug, c.req.param("term"), { language }, caller(c)) });
  });

  return r;
}
