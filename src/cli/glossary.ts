// `praxis term …`: the community's shared glossary. Defining a term that
// exists makes a new version; the list shows the community's own
// definitions with those it inherits from its ancestors, each with the
// community it comes from.
import type { Command } from "commander";
import { cliActor } from "../operations/audit.ts";
import { defineTerm, listTerms, removeTerm, termHistory, type TermView } from "../operations/glossary.ts";
import { printTable } from "./format.ts";
import type { CliHelpers } from "./safety.ts";

function oneLine(s: string, max = 60): string {
  const flat = s.replace(/\s+/g, " ");
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function origin(e: TermView): string {
  const from = e.communityHandle ?? e.community;
  if (!e.inherited) return e.refines ? "local (refines)" : "local";
  return `inherited from ${from}`;
}

export function registerGlossaryCommands(program: Command, { withPraxis, out, json, queuedNote }: CliHelpers): void {
  const term = program.command("term").description("The community's shared glossary: define, list, history, remove.");

  term.command("define <slug> <term>")
    .description("Define a term (defining it again makes a new version) and send it to the community's followers.")
    .option("--definition <text>", "the definition (plain text)")
    .option("--language <lang>", "en or fr (default: the community's first language, else en)")
    .option("--source <url>", "where the definition comes from (http or https URL)")
    .option("--json", "print the definition as JSON")
    .action(async (slug: string, name: string, o) => {
      await withPraxis(async (praxis) => {
        const { entry, changed } = await defineTerm(praxis, slug, name, { definition: o.definition ?? "", language: o.language, source: o.source }, cliActor());
        if (o.json) return json({ ...entry, changed });
        if (!changed) return out(`"${entry.term}" (${entry.language}) already has this definition (version ${entry.version}); nothing sent.`);
        out(`Defined "${entry.term}" (${entry.language}), version ${entry.version}. ${queuedNote}`);
      });
    });

  term.command("list <slug>")
    .description("List the community's definitions and those it inherits from its ancestors (local first within a term).")
    .option("--language <lang>", "only definitions in en or fr")
    .option("--json", "print JSON")
    .action(async (slug: string, o) => {
      await withPraxis(async (praxis) => {
        const rows = await listTerms(praxis, slug, { language: o.language });
        if (o.json) return json(rows);
        if (rows.length === 0) return out(`No terms yet. Define one with: praxis term define ${slug} <term> --definition <text>`);
        printTable(out, ["TERM", "LANG", "VERSION", "FROM", "DEFINITION"],
          rows.map((e) => [e.term, e.language, String(e.version), origin(e), oneLine(e.definition)]));
      });
    });

  term.command("history <slug> <term>")
    .description("Every version of the term's definitions, oldest first.")
    .option("--language <lang>", "only the definition in en or fr")
    .option("--json", "print JSON")
    .action(async (slug: string, name: string, o) => {
      await withPraxis(async (praxis) => {
        const versions = await termHistory(praxis, slug, name, { language: o.language });
        if (o.json) return json(versions);
        printTable(out, ["VERSION", "LANG", "DATE", "DEFINITION", "SOURCE"],
          versions.map((v) => [String(v.version), v.language, v.createdAt, oneLine(v.definition), v.source ?? "-"]));
      });
    });

  term.command("remove <slug> <term>")
    .description("Remove a term (every language unless --language) and send Delete to the community's followers.")
    .option("--language <lang>", "only the definition in en or fr")
    .action(async (slug: string, name: string, o) => {
      await withPraxis(async (praxis) => {
        const n = await removeTerm(praxis, slug, name, { language: o.language }, cliActor());
        out(`Removed ${n} definition${n === 1 ? "" : "s"} of "${name}". ${queuedNote}`);
      });
    });
}
