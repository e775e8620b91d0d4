// `praxis deliverable add|update|list` (a working group's deliverables, and
// with --children those of a community's sub-communities) and
// `praxis community archive` (a working group made read-only by hand).
import { type Command, Option } from "commander";
import { cliActor } from "../operations/audit.ts";
import {
  addDeliverable, finishedDeliverablesOfArchivedChildren, listChildDeliverables, listDeliverables, updateDeliverable,
} from "../operations/deliverables.ts";
import { archiveCommunity } from "../operations/working-groups.ts";
import { printTable } from "./format.ts";
import type { CliHelpers } from "./safety.ts";

const statusOption = () => new Option("--status <status>", "planned, in-progress or done").choices(["planned", "in-progress", "done"]);

export function registerDeliverableCommands(program: Command, { withPraxis, out, json, queuedNote }: CliHelpers): void {
  const community = program.commands.find((c) => c.name() === "community");
  community?.command("archive <slug>")
    .description("Archive a working group now (it is also archived when its end date passes): read-only, still listed; sends Update(Group).")
    .action(async (slug: string) => {
      await withPraxis(async (praxis) => {
        const c = await archiveCommunity(praxis, slug, cliActor());
        out(`Archived ${slug} (${c.archivedAt}). ${queuedNote}`);
      });
    });

  const deliverable = program.command("deliverable").description("A working group's deliverables (Build stream).");

  deliverable.command("add <slug>")
    .description("Add a deliverable to a working group; sends Create to its followers and linked parents.")
    .requiredOption("--title <text>", "what will be delivered")
    .option("--due <date>", "due date, e.g. 2026-06-30")
    .option("--resource <uri>", "where the result lives (http(s) URI)")
    .addOption(statusOption())
    .option("--json", "print the deliverable as JSON")
    .action(async (slug: string, o) => {
      await withPraxis(async (praxis) => {
        const d = await addDeliverable(praxis, slug, { title: o.title, due: o.due, resource: o.resource, status: o.status }, cliActor());
        if (o.json) return json(d);
        out(`Added deliverable ${d.id} to ${slug}: ${d.title}\n  ${d.uri}\n${queuedNote}`);
      });
    });

  deliverable.command("update <slug> <id>")
    .description("Change a deliverable (status, title, due date, resource); sends Update.")
    .addOption(statusOption())
    .option("--title <text>", "what will be delivered")
    .option("--due <date>", "due date, e.g. 2026-06-30 (\"\" clears it)")
    .option("--resource <uri>", "where the result lives (\"\" clears it)")
    .option("--json", "print the deliverable as JSON")
    .action(async (slug: string, id: string, o) => {
      await withPraxis(async (praxis) => {
        const d = await updateDeliverable(praxis, slug, id, { status: o.status, title: o.title, due: o.due, resource: o.resource }, cliActor());
        if (o.json) return json(d);
        out(`Updated deliverable ${d.id} of ${slug} (${d.status}). ${queuedNote}`);
      });
    });

  deliverable.command("list <slug>")
    .description("List a working group's deliverables, or with --children those of the community's linked sub-communities.")
    .option("--children", "the deliverables of linked sub-communities (working groups), as they arrived here")
    .option("--finished", "with --children: only the done deliverables of archived sub-communities (the resource centre's)")
    .option("--json", "print JSON")
    .action(async (slug: string, o) => {
      await withPraxis(async (praxis) => {
        if (o.children && o.finished) {
          const rows = await finishedDeliverablesOfArchivedChildren(praxis, slug);
          if (o.json) return json(rows);
          if (rows.length === 0) return out("No finished deliverables from archived sub-communities.");
          printTable(out, ["TITLE", "URL", "WORKING GROUP"], rows.map((r) => [r.title, r.url, r.community.name ?? r.community.uri]));
          return;
        }
        if (o.children) {
          const rows = await listChildDeliverables(praxis, slug);
          if (o.json) return json(rows);
          if (rows.length === 0) return out("No deliverables from sub-communities.");
          printTable(out, ["WORKING GROUP", "STATE", "TITLE", "STATUS", "DUE", "RESOURCE"],
            rows.map((r) => [r.group.name ?? r.group.uri, r.group.archived ? "archived" : "active", r.title, r.status, r.due ?? "-", r.resourceUri ?? "-"]));
          return;
        }
        const rows = await listDeliverables(praxis, slug);
        if (o.json) return json(rows);
        if (rows.length === 0) return out("No deliverables yet. Add one with: praxis deliverable add <slug> --title <text>");
        printTable(out, ["ID", "TITLE", "STATUS", "DUE", "RESOURCE"],
          rows.map((r) => [r.id, r.title, r.status, r.due ?? "-", r.resourceUri ?? "-"]));
      });
    });
}
