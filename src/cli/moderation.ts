// `praxis post …` and `praxis report …`: moderating posts (remove, restore,
// pin, lock) and the queue of reports received.
import type { Command } from "commander";
import { cliActor } from "../operations/audit.ts";
import {
  dismissReport, forwardReport, listReports, removePost, resolveReport, restorePost, setLocked, setPinned,
} from "../operations/moderation.ts";
import { printTable } from "./format.ts";
import type { CliHelpers } from "./safety.ts";

export function registerModerationCommands(program: Command, { withPraxis, out, json, queuedNote }: CliHelpers): void {
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
}
