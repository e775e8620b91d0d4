// `praxis`: the operator's command line. It uses the same configuration and
// database as the server and may run while the server runs; activities it
// causes (Accept, Reject, Update, Delete) are queued and delivered by the
// server's worker.
import { userInfo } from "node:os";
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
import {
  approveLink, declineLinkRequest, inviteChild, listLinks, listRequests, type LinkView, networkSettings, networkTree,
  promotePost, removeLink, requestParent, updateNetworkSettings,
} from "../operations/links.ts";
import { approveMember, capacityOf, listMembers, rejectMember } from "../operations/members.ts";
import { PeerUnreachableError } from "../federation/links.ts";
import type { TreeNode } from "../federation/network-reader.ts";
import {
  banMember, dismissReport, forwardReport, listBans, listReports, removeMember, removePost, resolveReport, restorePost,
  setAnnouncementOnly, setLocked, setPinned, unbanMember,
} from "../operations/moderation.ts";
import { printTable } from "./format.ts";
import { registerMeetingCommands } from "./meetings.ts";
import { registerPracticeCommands } from "./practice.ts";
import { registerGlossaryCommands } from "./glossary.ts";
import { registerDeliverableCommands } from "./deliverables.ts";
import { registerQueueCommands } from "./queue.ts";
import { registerResourceCommands } from "./resources.ts";
import { registerSafetyCommands } from "./safety.ts";

class UsageError extends Error {}

async function withPraxis<T>(fn: (praxis: Praxis) => Promise<T>): Promise<T> {
  const config = loadConfig();
  await setupLogging("warning");
  // A command runs for a moment: SQLite's writer checkpoints by itself, no thread is started for it.
  const praxis = await createPraxis(config, { backgroundCheckpoints: false });
  try {
    // Look-ups the command makes follow the instance's outbound policy.
    return await praxis.run(() => fn(praxis));
  } finally {
    await praxis.close();
  }
}

/** Who acts, for the audit log: the operating-system user running the CLI. */
const cliActor = () => `cli:${(() => {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? "unknown";
  }
})()}`;

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
  .option("--goal <text>", "a working group's goal (with --stream build)")
  .option("--ends <date>", "a working group's end date, e.g. 2026-06-30 (with --stream build); it is archived then")
  .option("--max-members <n>", "most members (the core group); an open community refuses the next, a closed one keeps them waiting")
  .option("--json", "print the community as JSON")
  .action(async (slug: string, o) => {
    await withPraxis(async (praxis) => {
      const c = await createCommunity(praxis, slug, {
        name: o.name, summary: o.summary, scale: o.scale, stream: o.stream, languages: o.language, closed: !!o.closed, posting: o.posting,
        goal: o.goal, ends: o.ends, maxMembers: o.maxMembers,
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
        ["membership", d.closed ? "closed (approval)" : "open"], ["posting", d.postingPolicy], ["announcement-only", d.announcementOnly ? "yes" : "no"],
        ["rules", d.rules || "-"],
        ...(d.goal ? [["goal", d.goal]] : []), ...(d.endsAt ? [["ends", d.endsAt]] : []),
        ...(d.archivedAt ? [["archived", d.archivedAt]] : []),
        ["max-members", d.maxMembers === null ? "-" : String(d.maxMembers)],
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
  .option("--rules <text>", "the community's rules, one per line (plain text; \"\" clears them)")
  .option("--announcement-only", "only the moderators' linked actors may start threads (postingRestrictedToMods)")
  .option("--no-announcement-only", "members may post again")
  .option("--goal <text>", "a working group's goal (stream build; \"\" clears it)")
  .option("--ends <date>", "a working group's end date, in the future (stream build; \"\" clears it)")
  .option("--max-members <n>", "most members (the core group); \"none\" removes the cap")
  .action(async (slug: string, o) => {
    if (o.closed && o.open) throw new UsageError("--closed and --open cannot be used together");
    await withPraxis(async (praxis) => {
      const input = {
        name: o.name, summary: o.summary, scale: o.scale,
        stream: o.stream === false ? null : o.stream, languages: o.language,
        closed: o.closed ? true : o.open ? false : undefined, posting: o.posting, rules: o.rules,
        goal: o.goal, ends: o.ends, maxMembers: o.maxMembers,
      };
      const hasOther = Object.values(input).some((v) => v !== undefined);
      // Announcement-only is a moderation decision: audited with who made it.
      if (o.announcementOnly !== undefined) await setAnnouncementOnly(praxis, slug, o.announcementOnly, cliActor());
      if (hasOther || o.announcementOnly === undefined) await updateCommunity(praxis, slug, input);
      out(`Updated ${slug}. ${queuedNote}`);
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

community.command("tree <slug>")
  .description("Show the community's parents and sub-communities across servers (verified links only), with member counts.")
  .option("--json", "print JSON")
  .action(async (slug: string, o) => {
    await withPraxis(async (praxis) => {
      const tree = await networkTree(praxis, slug);
      if (o.json) return json(tree);
      const label = (n: TreeNode["node"]) =>
        `${n.name ?? n.uri} ${n.handle ? `(${n.handle})` : ""} · ${n.members ?? "?"} members${n.closed ? " · closed" : ""}`.replace(/ {2,}/g, " ");
      const print = (nodes: TreeNode[], prefix: string) => {
        nodes.forEach((t, i) => {
          const last = i === nodes.length - 1;
          out(`${prefix}${last ? "└─ " : "├─ "}${label(t.node)}`);
          print(t.next, `${prefix}${last ? "   " : "│  "}`);
        });
      };
      if (tree.ancestors.length > 0) {
        out("Part of (parents, then their parents):");
        print(tree.ancestors, "  ");
        out("");
      }
      out(`● ${label(tree.community)}`);
      if (tree.descendants.length > 0) print(tree.descendants, "  ");
      else out("  (no sub-communities)");
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
      if (o.pending) {
        // Join requests wait in order: the waitlist position is the order they are approved in when a seat frees up.
        const cap = await capacityOf(praxis, slug);
        if (cap.full) out(`${slug} is full (${cap.members} of ${cap.maxMembers} members): requests wait in this order.`);
        printTable(out, ["POSITION", "ACTOR", "HANDLE", "REQUESTED", "MESSAGE"],
          members.map((m) => [String(m.waitlistPosition ?? "-"), m.actorUri, m.handle ?? "-", m.requestedAt, m.message ?? ""]));
        return;
      }
      printTable(out, ["ACTOR", "HANDLE", "JOINED", "MESSAGE"],
        members.map((m) => [m.actorUri, m.handle ?? "-", m.acceptedAt ?? "-", m.message ?? ""]));
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

const link = program.command("link").description("Link communities into the fractal network (across servers).");

function printLinks(rows: LinkView[]): void {
  printTable(out, ["ID", "PEER", "IS OUR", "STATUS", "SINCE"],
    rows.map((l) => [l.id, l.handle ?? l.peer, l.relation === "parent" ? "parent" : "sub-community", l.status, l.requestedAt]));
}

link.command("request <child-slug>")
  .description("Ask another community to become this community's parent (sends Add to its subcommunities).")
  .requiredOption("--parent <handle-or-uri>", "the parent community, e.g. @national@cop.example")
  .action(async (slug: string, o) => {
    await withPraxis(async (praxis) => {
      const l = await requestParent(praxis, slug, o.parent, cliActor());
      out(`Asked ${o.parent} to be the parent of ${slug} (request ${l.id}). Its moderators approve or decline. ${queuedNote}`);
    });
  });

link.command("invite <parent-slug>")
  .description("Invite another community to become this community's sub-community (sends Add to its parentCommunities).")
  .requiredOption("--child <handle-or-uri>", "the sub-community, e.g. @paris@cop.example")
  .action(async (slug: string, o) => {
    await withPraxis(async (praxis) => {
      const l = await inviteChild(praxis, slug, o.child, cliActor());
      out(`Invited ${o.child} to be a sub-community of ${slug} (request ${l.id}). Its moderators approve or decline. ${queuedNote}`);
    });
  });

link.command("requests <slug>")
  .description("List link requests waiting for this community (incoming) or for the other side (outgoing).")
  .option("--json", "print JSON")
  .action(async (slug: string, o) => {
    await withPraxis(async (praxis) => {
      const rows = await listRequests(praxis, slug);
      if (o.json) return json(rows);
      if (rows.length === 0) return out("No pending link requests.");
      printLinks(rows);
    });
  });

link.command("approve <slug> <request-id>")
  .description("Approve an incoming link request (sends Accept, subscribes to the peer, sends Update).")
  .action(async (slug: string, id: string) => {
    await withPraxis(async (praxis) => {
      const l = await approveLink(praxis, slug, id, cliActor());
      out(`Approved the link with ${l.handle ?? l.peer}. ${queuedNote}`);
    });
  });

link.command("decline <slug> <request-id>")
  .description("Decline an incoming link request (sends Reject).")
  .option("--reason <text>", "told to the other community")
  .action(async (slug: string, id: string, o) => {
    await withPraxis(async (praxis) => {
      const l = await declineLinkRequest(praxis, slug, id, cliActor(), o.reason);
      out(`Declined the link with ${l.handle ?? l.peer}. ${queuedNote}`);
    });
  });

link.command("remove <slug> <other>")
  .description("Unlink from a parent or sub-community (sends Remove and Undo(Follow), then Update).")
  .action(async (slug: string, other: string) => {
    await withPraxis(async (praxis) => {
      const l = await removeLink(praxis, slug, other, cliActor());
      out(`Unlinked ${slug} from ${l.handle ?? l.peer}. ${queuedNote}`);
    });
  });

link.command("list <slug>")
  .description("List the community's links: parents and sub-communities, with their state.")
  .option("--json", "print JSON")
  .action(async (slug: string, o) => {
    await withPraxis(async (praxis) => {
      const rows = await listLinks(praxis, slug);
      if (o.json) return json(rows);
      if (rows.length === 0) return out(`${slug} is not linked to any community.`);
      printLinks(rows);
    });
  });

link.command("settings <slug>")
  .description("Show or change how the community takes part in the network.")
  .option("--cascade", "re-announce what parents announce as their own (default)")
  .option("--no-cascade", "do not re-announce parents' announces")
  .option("--auto-approve <list>", "comma-separated hosts or Group URIs (or *) whose link requests need no moderator; empty to clear")
  .option("--promote-tags <list>", "comma-separated hashtags: rolled-up posts carrying one are promoted automatically; empty to clear")
  .option("--json", "print JSON")
  .action(async (slug: string, o, cmd: Command) => {
    await withPraxis(async (praxis) => {
      const split = (v: string | undefined) => (v === undefined ? undefined : v.split(",").map((x) => x.trim()).filter(Boolean));
      // --cascade/--no-cascade default to true; only an explicit flag changes it.
      const cascade = cmd.getOptionValueSource("cascade") === "cli" ? o.cascade as boolean : undefined;
      const changing = cascade !== undefined || o.autoApprove !== undefined || o.promoteTags !== undefined;
      const settings = changing
        ? await updateNetworkSettings(praxis, slug, { cascade, autoApprove: split(o.autoApprove), promoteTags: split(o.promoteTags) }, cliActor())
        : await networkSettings(praxis, slug);
      if (o.json) return json(settings);
      printTable(out, ["SETTING", "VALUE"], [
        ["cascade", settings.cascade ? "on" : "off"],
        ["auto-approve", settings.autoApprove.join(", ") || "-"],
        ["promote-tags", settings.promoteTags.join(", ") || "-"],
      ]);
    });
  });

program.command("promote <slug> <object-uri>")
  .description("Announce a post or resource rolled up from a sub-community (or a best practice it offers) to this community's followers (at most once).")
  .action(async (slug: string, objectUri: string) => {
    await withPraxis(async (praxis) => {
      await promotePost(praxis, slug, objectUri, cliActor());
      out(`Promoted ${objectUri} in ${slug}. ${queuedNote}`);
    });
  });

member.command("remove <slug> <actor>")
  .description("Remove a member (actor URI or @user@host); sends Reject(Follow), as Lemmy does.")
  .action(async (slug: string, actor: string) => {
    await withPraxis(async (praxis) => {
      const m = await removeMember(praxis, slug, actor, cliActor());
      out(`Removed ${m.handle ?? m.actorUri}. ${queuedNote}`);
    });
  });

member.command("ban <slug> <actor>")
  .description("Ban an actor (URI or @user@host): membership removed, posts, follows and reactions refused; sends Block.")
  .option("--reason <text>", "why (sent to peers as the Block's summary)")
  .option("--expires <date>", "ISO 8601 date or date-time when the ban ends (default: never)")
  .action(async (slug: string, actor: string, o) => {
    await withPraxis(async (praxis) => {
      const b = await banMember(praxis, slug, actor, cliActor(), { reason: o.reason, expires: o.expires });
      out(`Banned ${b.handle ?? b.actorUri}${b.expiresAt ? ` until ${b.expiresAt}` : ""}. ${queuedNote}`);
    });
  });

member.command("unban <slug> <actor>")
  .description("Lift a ban; sends Undo(Block).")
  .action(async (slug: string, actor: string) => {
    await withPraxis(async (praxis) => {
      await unbanMember(praxis, slug, actor, cliActor());
      out(`Unbanned ${actor}. ${queuedNote}`);
    });
  });

member.command("bans <slug>")
  .description("List the community's bans, expired ones included.")
  .option("--json", "print JSON")
  .action(async (slug: string, o) => {
    await withPraxis(async (praxis) => {
      const bans = await listBans(praxis, slug);
      if (o.json) return json(bans);
      if (bans.length === 0) return out("No bans.");
      printTable(out, ["ACTOR", "HANDLE", "SINCE", "EXPIRES", "ACTIVE", "BY", "REASON"],
        bans.map((b) => [b.actorUri, b.handle ?? "-", b.createdAt, b.expiresAt ?? "never", b.active ? "yes" : "no", b.bannedBy, b.reason ?? ""]));
    });
  });

const post = program.command("post").description("Moderate posts: remove, restore, pin, lock.");

post.command("remove <slug> <object-uri>")
  .description("Remove a post from the community: hidden here, Announce(Delete) to threadiverse members, boost withdrawn.")
  .option("--reason <text>", "why (sent to peers as the Delete's summary)")
  .action(async (slug: string, uri: string, o) => {
    await withPraxis(async (praxis) => {
      await removePost(praxis, slug, uri, cliActor(), { reason: o.reason });
      out(`Removed ${uri}. ${queuedNote}`);
    });
  });

post.command("restore <slug> <object-uri>")
  .description("Put a removed post back; sends Undo(Delete) and boosts it again.")
  .action(async (slug: string, uri: string) => {
    await withPraxis(async (praxis) => {
      await restorePost(praxis, slug, uri, cliActor());
      out(`Restored ${uri}. ${queuedNote}`);
    });
  });

for (const [name, pinned] of [["pin", true], ["unpin", false]] as const) {
  post.command(`${name} <slug> <object-uri>`)
    .description(pinned ? "Pin a thread: listed in the featured collection; sends Add." : "Unpin a thread; sends Remove.")
    .action(async (slug: string, uri: string) => {
      await withPraxis(async (praxis) => {
        await setPinned(praxis, slug, uri, pinned, cliActor());
        out(`${pinned ? "Pinned" : "Unpinned"} ${uri}. ${queuedNote}`);
      });
    });
}

for (const [name, locked] of [["lock", true], ["unlock", false]] as const) {
  const cmd = post.command(`${name} <slug> <object-uri>`)
    .description(locked ? "Lock a thread: new replies are refused and not relayed; sends Lock." : "Unlock a thread; sends Undo(Lock).");
  if (locked) cmd.option("--reason <text>", "why (sent to peers as the Lock's summary)");
  cmd.action(async (slug: string, uri: string, o) => {
    await withPraxis(async (praxis) => {
      await setLocked(praxis, slug, uri, locked, cliActor(), { reason: o.reason });
      out(`${locked ? "Locked" : "Unlocked"} ${uri}. ${queuedNote}`);
    });
  });
}

const report = program.command("report").description("The moderation queue of reports (Flag) received.");

report.command("list")
  .description("List open reports (all with --all), of one community or of every community and the instance.")
  .option("--community <slug>", "only this community's reports")
  .option("--all", "include resolved and dismissed reports")
  .option("--json", "print JSON")
  .action(async (o) => {
    await withPraxis(async (praxis) => {
      const reports = await listReports(praxis, { community: o.community, all: !!o.all });
      if (o.json) return json(reports);
      if (reports.length === 0) return out(o.all ? "No reports." : "No open reports.");
      printTable(out, ["ID", "RECEIVED", "FLAGS", "COMMUNITY", "STATUS", "REPORTER", "OBJECTS", "COMMENT"],
        reports.map((r) => [r.id, r.updatedAt, String(r.flagCount), r.community ?? "(instance)", r.status, r.reporterUri, r.objects.join(" "), r.comment]));
    });
  });

report.command("resolve <id>")
  .description("Close a report as acted upon.")
  .option("--remove-post", "remove the reported posts from their communities")
  .option("--forward", "forward the report to the reported server (a Flag from the instance actor)")
  .action(async (id: string, o) => {
    await withPraxis(async (praxis) => {
      await resolveReport(praxis, id, cliActor(), { removePost: !!o.removePost, forward: !!o.forward });
      out(`Resolved report ${id}.${o.removePost || o.forward ? ` ${queuedNote}` : ""}`);
    });
  });

report.command("dismiss <id>")
  .description("Close a report without action.")
  .action(async (id: string) => {
    await withPraxis(async (praxis) => {
      await dismissReport(praxis, id, cliActor());
      out(`Dismissed report ${id}.`);
    });
  });

report.command("forward <id>")
  .description("Forward a report to the reported server as a Flag from the instance actor.")
  .action(async (id: string) => {
    await withPraxis(async (praxis) => {
      const to = await forwardReport(praxis, id, cliActor());
      out(`Forwarding report ${id} to ${to.join(", ")}. ${queuedNote}`);
    });
  });

registerSafetyCommands(program, { withPraxis, out, json, queuedNote });
registerQueueCommands(program, { withPraxis, out, json, queuedNote });
registerMeetingCommands(program, { withPraxis, out, json, queuedNote });
registerResourceCommands(program, { withPraxis, out, json, queuedNote });
registerPracticeCommands(program, { withPraxis, out, json, queuedNote });
registerGlossaryCommands(program, { withPraxis, out, json, queuedNote });
registerDeliverableCommands(program, { withPraxis, out, json, queuedNote });

program.command("migrate")
  .description("Apply pending database migrations (the server also does this at start).")
  .action(async () => {
    const config = loadConfig();
    const database = openDatabase(config.database);
    try {
      const { error, results } = await (await createMigrator(database.db)).migrateToLatest();
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
  } else if (e instanceof ValidationError || e instanceof NotFoundError || e instanceof ConfigError || e instanceof UsageError
    || e instanceof PeerUnreachableError) {
    process.stderr.write(`praxis: ${e.message}\n`);
    process.exitCode = e instanceof NotFoundError ? 3 : 2;
  } else {
    process.stderr.write(`praxis: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
