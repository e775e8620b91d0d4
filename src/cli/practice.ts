// `praxis practice …`: practice statuses (proposed → evaluated → best
// practice) on posts and resources, inherited from parents and offered by
// sub-communities.
import type { Command } from "commander";
import { PRACTICE_STATUSES } from "../domain/practice.ts";
import { cliActor } from "../operations/audit.ts";
import { listPractice, markPractice, practiceOffers } from "../operations/practice.ts";
import { printTable } from "./format.ts";
import type { CliHelpers } from "./safety.ts";

export function registerPracticeCommands(program: Command, { withPraxis, out, json, queuedNote }: CliHelpers): void {
  const practice = program.command("practice").description("Practice statuses: proposed, evaluated, best-practice.");

  practice.command("mark <slug> <object-uri>")
    .description("Mark a post the community carries, or one of its resources. Up one step at a time; going down needs --note.")
    .requiredOption("--status <status>", PRACTICE_STATUSES.join(", "))
    .option("--note <text>", "why (required to go down)")
    .option("--json", "print the mark as JSON")
    .action(async (slug: string, objectUri: string, o) => {
      await withPraxis(async (praxis) => {
        const m = await markPractice(praxis, slug, objectUri, { status: o.status, note: o.note }, cliActor());
        if (o.json) return json(m);
        out(`Marked ${m.object} ${m.status} in ${slug}. ${queuedNote}`);
      });
    });

  practice.command("list <slug>")
    .description("The community's practice statuses, and those inherited from its parents (with their origin).")
    .option("--status <status>", `only this status (${PRACTICE_STATUSES.join(", ")})`)
    .option("--json", "print JSON")
    .action(async (slug: string, o) => {
      await withPraxis(async (praxis) => {
        const rows = await listPractice(praxis, slug, { status: o.status });
        if (o.json) return json(rows);
        if (rows.length === 0) return out(`No practice statuses in ${slug}.`);
        printTable(out, ["STATUS", "SOURCE", "ORIGIN", "OBJECT", "TITLE"],
          rows.map((m) => [m.status, m.source, m.origin, m.object, m.title ?? "-"]));
      });
    });

  practice.command("offers <slug>")
    .description("Best practices offered by verified sub-communities; promote one with: praxis promote <slug> <object-uri>.")
    .option("--json", "print JSON")
    .action(async (slug: string, o) => {
      await withPraxis(async (praxis) => {
        const rows = await practiceOffers(praxis, slug);
        if (o.json) return json(rows);
        if (rows.length === 0) return out(`No best practices offered to ${slug} yet.`);
        printTable(out, ["FROM", "OBJECT", "TITLE", "PROMOTED"],
          rows.map((m) => [m.origin, m.object, m.title ?? "-", m.promoted ? "yes" : m.promotable ? "no (promotable)" : "no"]));
      });
    });
}
