// Two facilitators defining the same term at once, on both databases: every
// definition becomes a version, none is lost and none answers an error.
import { afterAll, describe, expect, it } from "vitest";
import { defineTerm, termHistory } from "../../src/operations/glossary.ts";
import { postgresUnavailable } from "../db/databases.ts";
import { community } from "../support/network.ts";
import { createThrowawaySchema, type ThrowawaySchema } from "../support/postgres.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";

const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

async function server(dialect: "sqlite" | "postgres"): Promise<TestPraxis> {
  if (dialect === "sqlite") {
    const praxis = await startPraxis();
    stops.push(() => praxis.stop());
    return praxis;
  }
  const schema: ThrowawaySchema = await createThrowawaySchema("gloss");
  stops.push(() => schema.drop());
  const praxis = await startPraxis({ database: { driver: "postgres", url: schema.url, poolSize: 5 } });
  stops.push(() => praxis.stop());
  return praxis;
}

describe.each(["sqlite", "postgres"] as const)("concurrent definitions on %s", (dialect) => {
  it.skipIf(dialect === "postgres" && postgresUnavailable !== undefined)("keeps every one as a version", async () => {
    const praxis = await server(dialect);
    await community(praxis, "weavers");
    const definitions = ["One.", "Two.", "Three.", "Four."].map((d) => `A loom: ${d}`);
    const results = await Promise.all(definitions.map((definition) => defineTerm(praxis, "weavers", "Loom", { definition, language: "en" }, "test")));
    expect(results.every((r) => r.changed)).toBe(true);
    const history = await termHistory(praxis, "weavers", "loom", { language: "en" });
    expect(history.map((v) => v.version)).toEqual([1, 2, 3, 4]);
    expect(new Set(history.map((v) => v.definition))).toEqual(new Set(definitions));
  });
});
