// `praxis community …` and `praxis member …`: communities (create, inspect,
// change, delete, their network tree) and their members (join requests,
// removals, bans).
import { type Command, Option } from "commander";
import { communityDetails, createCommunity, deleteCommunity, getCommunity, updateCommunity } from "../operations/communities.ts";
import { cliActor } from "../operations/audit.ts";
import { networkTree } from "../operations/links.ts";
import { approveMember, capacityOf, listMembers, rejectMember } from "../operations/members.ts";
import { banMember, listBans, removeMember, setAnnouncementOnly, unbanMember } from "../operations/moderation.ts";
import type { TreeNode } from "../federation/network-reader.ts";
import { printTable, UsageError } from "./format.ts";
import type { CliHelpers } from "./safety.ts";

const scaleOption = () => new Option("--scale <scale>", "local, regional, national or international").choices(["local", "regional", "national", "international"]);
const streamOption = () => new Option("--stream <stream>", "learn, share or build").choices(["learn", "share", "build"]);
const postingOption = () => new Option("--posting <policy>", "who may post besides members: members (default) or anyone").choices(["members", "anyone"]);

export function registerCommunityCommands(program: Command, { withPraxis, out, json, queuedNote }: CliHelpers): void {
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
}
