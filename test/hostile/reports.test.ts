// Report flooding: one actor sending many Flags about the same object makes
// one open report, updated, not one report per Flag (issue 9, §3).
import { afterAll, beforeAll, expect, it } from "vitest";
import { createCommunity } from "../../src/operations/communities.ts";
import { dismissReport, listReports } from "../../src/operations/moderation.ts";
import { waitFor } from "../support/net.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";
import { AS_CONTEXT, type RawActor, type RawHost, startRawHost } from "../support/raw-host.ts";
import { settleInbox } from "./support/settle.ts";

const FLAGS = 150;
let praxis: TestPraxis;
let host: RawHost;
let reporter: RawActor;
let spammer: RawActor;

beforeAll(async () => {
  praxis = await startPraxis({ limits: { inboxRequestsPerWindow: 0 } });
  host = await startRawHost("127.0.0.31");
  await createCommunity(praxis, "makers", { name: "Makers" });
  reporter = await host.actor("reporter");
  spammer = await host.actor("spammer");
});

afterAll(async () => {
  await host?.stop();
  await praxis?.stop();
});

function flag(objects: string[], comment: string) {
  return { "@context": AS_CONTEXT, id: host.newId("flags"), type: "Flag", actor: reporter.id, content: comment, object: objects };
}

async function sendAll(activities: unknown[], concurrency = 8): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < activities.length) {
      const activity = activities[next++];
      statuses.push((await host.send(`${praxis.origin}/inbox`, activity, reporter)).status);
    }
  }));
  return statuses;
}

it(`${FLAGS} Flags from one actor about one object make one report, updated`, async () => {
  const status = `${spammer.id}/statuses/1`;
  const statuses = await sendAll(Array.from({ length: FLAGS }, (_, i) => flag([spammer.id, status], `Spam, again (${i + 1})`)));
  expect(new Set(statuses)).toEqual(new Set([202]));
  expect(await settleInbox(praxis)).toBe(0);
  const reports = await listReports(praxis, { all: true });
  expect(reports.filter((r) => r.reporterUri === reporter.id)).toHaveLength(1);
  const [report] = reports;
  expect(report.objects).toEqual([spammer.id, status]);
  expect(report.flagCount).toBe(FLAGS);
  expect(report.comment).toMatch(/^Spam, again \(\d+\)$/);
  expect(report.updatedAt >= report.createdAt).toBe(true);
});

it("adds the objects of a later Flag about the same subject, and opens a new report once the first is closed", async () => {
  const [open] = await listReports(praxis);
  const later = `${spammer.id}/statuses/2`;
  expect((await host.send(`${praxis.origin}/inbox`, flag([spammer.id, later], "And this one"), reporter)).status).toBe(202);
  await waitFor(async () => (await listReports(praxis))[0]?.objects.includes(later), "the report to list the later status");
  const [updated] = await listReports(praxis);
  expect(updated.id).toBe(open.id);
  expect(updated.comment).toBe("And this one");

  await dismissReport(praxis, open.id, "test:moderator");
  expect((await host.send(`${praxis.origin}/inbox`, flag([spammer.id], "Back again"), reporter)).status).toBe(202);
  const fresh = await waitFor(async () => (await listReports(praxis))[0], "a new open report");
  expect(fresh.id).not.toBe(open.id);
  expect(fresh.flagCount).toBe(1);
  expect(await listReports(praxis, { all: true })).toHaveLength(2);
});
