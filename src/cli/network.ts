// `praxis link …` and `praxis promote`: links between communities in the
// fractal network (requests, invitations, approvals, settings) and
// promoting what a sub-community rolled up.
import type { Command } from "commander";
import { cliActor } from "../operations/audit.ts";
import {
  approveLink, declineLinkRequest, inviteChild, listLinks, listRequests, type LinkView, networkSettings,
  promotePost, removeLink, requestParent, updateNetworkSettings,
} from "../operations/links.ts";
import { printTable } from "./format.ts";
import type { CliHelpers } from "./safety.ts";

export function registerNetworkCommands(program: Command, { withPraxis, out, json, queuedNote }: CliHelpers): void {
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
}
