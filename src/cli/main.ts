// `praxis`: the operator's command line. It uses the same configuration and
// database as the server and may run while the server runs; activities it
// causes (Accept, Reject, Update, Delete) are queued and delivered by the
// server's worker.
import { Command, CommanderError, Option } from "commander";
import { createPraxis, type Praxis } from "../app.ts";
import { ConfigError, loadConfig } from "../config.ts";
import { openDatabase } from "../db/database.ts";
import { createMigrator } from "../db/migrator.ts";
import { ValidationError } from "../domain/community.ts";
import { setupLogging } from "../logging.ts";
import {
  communityDetails, createCommunity, deleteCommunity, getCommunity, NotFoundError, updateCommunity,
} from "../operations/communities.ts";
import { approveMember, listMembers, rejectMember } from "../operations/members.ts";
import { printTable } from "./format.ts";
import { registerSafetyCommands } from "./safety.ts";

class UsageError extends Error {}

async function withPraxis<T>(fn: (praxis: Praxis) => Promise<T>): Promise<T> {
  const config = loadConfig();
  await setupLogging("warning");
  const praxis = await createPraxis(config);
  try {
    return await fn(praxis);
  } finally {
    await praxis.close();
  }
}

const out = (s: string) => process.stdout.write(`${s}\n`);
const json = (v: unknown) => out(JSON.stringify(v, null, 2));
const queuedNote = "Queued for delivery; the server's worker sends it (now if the server is running, else when it starts).";

const program = new Command("praxis")
  .description("Operate a Praxis server: communities, members, queue and database.")
  .showHelpAfterError()
  .exitOverride();

const scaleOption = () => new Option("--scale <scale>", "local, regional, national or international").choices(["local", "regional", "national", "international"]);
const streamOption = () => new Option("--stream <stream>", "learn, share or build").choices(["learn", "share", "build"]);
const postingOption = () => new Option("--posting <policy>", "who may post besides members: members (default) or anyone").choices(["members", "anyone"]);

const community = program.command("community").description("Create, inspect, change and delete communities.");

community.command("create <slug>")
  .description("Create a community; its handle is @<slug>@<host>.")
  .requiredOption("--name <name>", "display name")
  .option("--summary <text>", "what the community is about (plain text)")
  .addOption(scaleOption().default("local"))
  .addOption(streamOption())
  .option("--language <tags>", "comma-separated languages, e.g. en,fr")
  .option("--closed", "membership requires a moderator's approval")
  .addOption(postingOption())
  .option("--json", "print the community as JSON")
  .action(async (slug: string, o) => {
    await withPraxis(async (praxis) => {
      const c = await createCommunity(praxis, slug, {
        name: o.name, summary: o.summary, scale: o.scale, stream: o.stream, languages: o.language, closed: !!o.closed, posting: o.posting,
      });
      const details = await communityDetails(praxis, c);
      if (o.json) return json(details);
      out(`Created ${details.name} (${details.handle})\n  ${details.url}`);
    });
  });

community.command("list")
  .description("List the communities.")
  .option("--json", "print JSON")
  .action(async (o) => {
    await withPraxis(async (praxis) => {
      const rows = await Promise.all((await praxis.services.repos.communities.list()).map((c) => communityDetails(praxis, c)));
      if (o.json) return json(rows);
      if (rows.length === 0) return out("No communities yet. Create one with: praxis community create <slug> --name <name>");
      printTable(out, ["SLUG", "NAME", "SCALE", "MEMBERS", "PENDING", "MEMBERSHIP"],
        rows.map((r) => [r.slug, r.name, r.scale, String(r.members), String(r.pending), r.closed ? "closed" : "open"]));
    });
  });

community.command("show <slug>")
  .description("Show a community.")
  .option("--json", "print JSON")
  .action(async (slug: string, o) => {
    await withPraxis(async (praxis) => {
      const d = await communityDetails(praxis, await getCommunity(praxis, slug));
      if (o.json) return json(d);
      printTable(out, ["FIELD", "VALUE"], [
        ["name", d.name], ["handle", d.handle], ["url", d.url], ["summary", d.summary || "-"], ["scale", d.scale],
        ["stream", d.stream ?? "-"], ["languages", d.languages.join(", ") || "-"],
        ["membership", d.closed ? "closed (approval)" : "open"], ["posting", d.postingPolicy],
        ["members", String(d.members)], ["pending", String(d.pending)], ["created", d.createdAt],
      ]);
    });
  });

community.command("update <slug>")
  .description("Change a community and federate the change (Update) to its members.")
  .option("--name <name>", "display name")
  .option("--summary <text>", "what the community is about (plain text)")
  .addOption(scaleOption())
  .addOption(streamOption())
  .option("--no-stream", "clear the stream")
  .option("--language <tags>", "comma-separated languages, e.g. en,fr")
  .option("--closed", "require approval to join")
  .option("--open", "let anyone join")
  .addOption(postingOption())
  .action(async (slug: string, o) => {
    if (o.closed && o.open) throw new UsageError("--closed and --open cannot be used together");
    await withPraxis(async (praxis) => {
      const c = await updateCommunity(praxis, slug, {
        name: o.name, summary: o.summary, scale: o.scale,
        stream: o.stream === false ? null : o.stream, languages: o.language,
        closed: o.closed ? true : o.open ? false : undefined, posting: o.posting,
      });
      out(`Updated ${c.slug}. ${queuedNote}`);
    });
  });

community.command("delete <slug>")
  .description("Delete a community: its members are sent Delete, its address answers 410 Gone, its slug is retired.")
  .action(async (slug: string) => {
    await withPraxis(async (praxis) => {
      await deleteCommunity(praxis, slug);
      out(`Deleted ${slug}. ${queuedNote}`);
    });
  });

const member = program.command("member").description("Members and join requests.");

member.command("list <slug>")
  .description("List members, or pending join requests with --pending.")
  .option("--pending", "list pending join requests")
  .option("--json", "print JSON")
  .action(async (slug: string, o) => {
    await withPraxis(async (praxis) => {
      const members = await listMembers(praxis, slug, !!o.pending);
      if (o.json) return json(members);
      if (members.length === 0) return out(o.pending ? "No pending requests." : "No members yet.");
      printTable(out, ["ACTOR", "HANDLE", o.pending ? "REQUESTED" : "JOINED", "MESSAGE"],
        members.map((m) => [m.actorUri, m.handle ?? "-", (o.pending ? m.requestedAt : m.acceptedAt) ?? "-", m.message ?? ""]));
    });
  });

member.command("approve <slug> <actor>")
  .description("Approve a join request (actor URI or @user@host); sends Accept.")
  .action(async (slug: string, actor: string) => {
    await withPraxis(async (praxis) => {
      const m = await approveMember(praxis, slug, actor);
      out(`Approved ${m.handle ?? m.actorUri}. ${queuedNote}`);
    });
  });

member.command("reject <slug> <actor>")
  .description("Decline a join request or remove a member (actor URI or @user@host); sends Reject.")
  .action(async (slug: string, actor: string) => {
    await withPraxis(async (praxis) => {
      const m = await rejectMember(praxis, slug, actor);
      out(`Rejected ${m.handle ?? m.actorUri}. ${queuedNote}`);
    });
  });

const queue = program.command("queue").description("The delivery and inbox queue.");

queue.command("status")
  .description("Show queued, delayed, in-flight and dead messages.")
  .option("--json", "print JSON")
  .action(async (o) => {
    await withPraxis(async (praxis) => {
      const stats = await praxis.queue.stats();
      const dead = await praxis.queue.deadLetters(20);
      if (o.json) return json({ ...stats, deadLetters: dead });
      printTable(out, ["READY", "DELAYED", "IN FLIGHT", "DEAD", "OLDEST READY"], [[
        String(stats.ready), String(stats.delayed), String(stats.leased), String(stats.dead),
        stats.oldestReadyAgeMs === null ? "-" : `${Math.round(stats.oldestReadyAgeMs / 1000)} s`,
      ]]);
      if (dead.length > 0) {
        out("\nDead letters (kept for inspection):");
        printTable(out, ["ID", "TYPE", "ATTEMPTS", "CREATED", "LAST ERROR"],
          dead.map((d) => [d.id, d.payloadType ?? "-", String(d.attempts), new Date(d.createdAt).toISOString(), (d.lastError ?? "").slice(0, 80)]));
      }
    });
  });

registerSafetyCommands(program, { withPraxis, out, json, queuedNote });

program.command("migrate")
  .description("Apply pending database migrations (the server also does this at start).")
  .action(async () => {
    const config = loadConfig();
    const database = openDatabase(config.database);
    try {
      const { error, results } = await createMigrator(database.db).migrateToLatest();
      for (const r of results ?? []) out(`${r.status === "Success" ? "applied" : r.status.toLowerCase()}: ${r.migrationName}`);
      if (error) throw error instanceof Error ? error : new Error(String(error));
      if (!results?.length) out("The database is up to date.");
    } finally {
      await database.close();
    }
  });

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // Commander has printed the usage error or the help text already.
    process.exitCode = e.exitCode;
  } else if (e instanceof ValidationError || e instanceof NotFoundError || e instanceof ConfigError || e instanceof UsageError) {
    process.stderr.write(`praxis: ${e.message}\n`);
    process.exitCode = e instanceof NotFoundError ? 3 : 2;
  } else {
    process.stderr.write(`praxis: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
