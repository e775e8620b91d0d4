// Whether an inbox's recipient exists (src/web/inbox-guard.ts): asked of
// every inbox POST before anything else, so a community found is remembered
// briefly — a burst to one inbox costs one query — and a deleted or unknown
// one is never remembered as existing.
import { expect, it } from "vitest";
import type { AppServices } from "../../src/services.ts";
import { recipientChecker } from "../../src/web/inbox-guard.ts";
import { sleep } from "../support/net.ts";

function fakeServices() {
  const rows = new Map<string, { deletedAt: string | null }>();
  const asked: string[] = [];
  const services = {
    repos: {
      communities: {
        async findBySlug(slug: string) {
          asked.push(slug);
          return rows.get(slug) ?? null;
        },
      },
    },
  } as unknown as Pick<AppServices, "repos">;
  return { services, rows, asked };
}

it("asks the database once for a burst to one inbox, and again once the memory has passed", async () => {
  const { services, rows, asked } = fakeServices();
  rows.set("orchard", { deletedAt: null });
  const exists = recipientChecker(services, 200);
  for (let i = 0; i < 20; i++) expect(await exists("orchard")).toBe(true);
  expect(asked).toEqual(["orchard"]);
  await sleep(250);
  expect(await exists("orchard")).toBe(true);
  expect(asked).toEqual(["orchard", "orchard"]);
});

it("never remembers an unknown or deleted community as existing, and forgets one deleted once its memory has passed", async () => {
  const { services, rows, asked } = fakeServices();
  const exists = recipientChecker(services, 200);
  expect(await exists("nowhere")).toBe(false);
  expect(await exists("nowhere")).toBe(false);
  expect(asked).toEqual(["nowhere", "nowhere"]);
  rows.set("gone", { deletedAt: "2026-01-01T00:00:00.000Z" });
  expect(await exists("gone")).toBe(false);
  rows.set("orchard", { deletedAt: null });
  expect(await exists("orchard")).toBe(true);
  rows.set("orchard", { deletedAt: "2026-12-02T00:00:00.000Z" });
  await sleep(250);
  expect(await exists("orchard")).toBe(false);
  // The instance's own actors exist without a query; a malformed name does not.
  expect(await exists("instance.actor")).toBe(true);
  expect(await exists("%E0%A4%A")).toBe(false);
});
