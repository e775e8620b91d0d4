// `praxis resource …`: a community's resource centre (articles written in
// Markdown and links), versioned, pinned and federated.
import { readFile } from "node:fs/promises";
import { type Command, Option } from "commander";
import { ValidationError } from "../domain/community.ts";
import { RESOURCE_KINDS, RESOURCE_LANGUAGES } from "../domain/resources.ts";
import { cliActor } from "../operations/audit.ts";
import {
  addResource, listResources, removeResource, type ResourceInput, resourceHistory, updateResource,
} from "../operations/resources.ts";
import { printTable } from "./format.ts";
import type { CliHelpers } from "./safety.ts";

/** The Markdown file's text; a missing or unreadable file names the option. */
async function readMarkdown(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    throw new ValidationError("file", `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

async function inputOf(o: Record<string, string | undefined>): Promise<ResourceInput> {
  return {
    title: o.title, url: o.url, kind: o.kind, language: o.language,
    markdown: o.file !== undefined ? await readMarkdown(o.file) : undefined,
  };
}

// Validated by the operations (exit 2 naming the field), not by commander's choices (exit 1).
const kindOption = () => new Option("--kind <kind>", RESOURCE_KINDS.join(", "));
const languageOption = () => new Option("--language <lang>", RESOURCE_LANGUAGES.join(" or "));

export function registerResourceCommands(program: Command, { withPraxis, out, json, queuedNote }: CliHelpers): void {
  const resource = program.command("resource").description("The resource centre: articles (Markdown) and links, versioned and pinned.");

  resource.command("add <slug>")
    .description("Add a resource: an article from a Markdown file (an Article) or a link (a Document); announced to the followers and pinned.")
    .requiredOption("--title <text>", "the resource's title")
    .option("--url <url>", "a link (http or https)")
    .option("--file <path>", "a Markdown file (an article)")
    .addOption(kindOption().default("other"))
    .addOption(languageOption())
    .option("--json", "print the resource as JSON")
    .action(async (slug: string, o) => {
      await withPraxis(async (praxis) => {
        const r = await addResource(praxis, slug, await inputOf(o), cliActor());
        if (o.json) return json(r);
        out(`Added ${r.type === "Article" ? "article" : "link"} ${r.id}: ${r.title}\n  ${r.uri}\n${queuedNote}`);
      });
    });

  resource.command("list <slug>")
    .description("List a community's resources.")
    .option("--json", "print JSON")
    .action(async (slug: string, o) => {
      await withPraxis(async (praxis) => {
        const rows = await listResources(praxis, slug);
        if (o.json) return json(rows);
        if (rows.length === 0) return out(`No resources in ${slug} yet. Add one with: praxis resource add ${slug} --title <text> --url <url>`);
        printTable(out, ["ID", "TYPE", "KIND", "LANG", "VERSION", "STATUS", "TITLE"],
          rows.map((r) => [r.id, r.type, r.kind, r.language ?? "-", String(r.version), r.practiceStatus ?? "-", r.title]));
      });
    });

  resource.command("update <slug> <id>")
    .description("Edit a resource: stores a new version and sends Update to the followers.")
    .option("--title <text>", "a new title")
    .option("--url <url>", "a new link (link resources)")
    .option("--file <path>", "a new Markdown file (articles)")
    .addOption(kindOption())
    .addOption(languageOption())
    .option("--json", "print the resource as JSON")
    .action(async (slug: string, id: string, o) => {
      await withPraxis(async (praxis) => {
        const r = await updateResource(praxis, slug, id, await inputOf(o), cliActor());
        if (o.json) return json(r);
        out(`Updated ${r.id} to version ${r.version}. ${queuedNote}`);
      });
    });

  resource.command("remove <slug> <id>")
    .description("Remove a resource: unpinned and deleted (Remove, Delete) for the followers and along network links.")
    .action(async (slug: string, id: string) => {
      await withPraxis(async (praxis) => {
        const r = await removeResource(praxis, slug, id, cliActor());
        out(`Removed ${r.id}: ${r.title}. ${queuedNote}`);
      });
    });

  resource.command("history <slug> <id>")
    .description("Every version of a resource, oldest first.")
    .option("--json", "print JSON (with each version's Markdown)")
    .action(async (slug: string, id: string, o) => {
      await withPraxis(async (praxis) => {
        const versions = await resourceHistory(praxis, slug, id);
        if (o.json) return json(versions);
        printTable(out, ["VERSION", "DATE", "BY", "KIND", "LANG", "TITLE"],
          versions.map((v) => [String(v.version), v.createdAt, v.author, v.kind, v.language ?? "-", v.title]));
      });
    });
}
