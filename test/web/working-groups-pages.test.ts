// The working-group parts of a community page, in English and French:
// goal, end date, archived badge, capacity, deliverables with their status,
// and on a parent its working groups' deliverables. Hostile text is escaped.
import { describe, expect, it } from "vitest";
import { renderCommunityPage } from "../../src/web/pages/community.ts";
import type { WorkingGroupView } from "../../src/web/pages/working-groups.ts";
import type { CommunityView, InstanceView } from "../../src/web/views.ts";

const instance: InstanceView = { name: "Praxis", description: "Communities.", origin: "https://cop.example", host: "cop.example" };
const community: CommunityView["community"] = {
  slug: "guide", name: "Guide", summary: "", scale: "local", stream: "build", languages: [], closed: false, memberCount: 2,
  url: "https://cop.example/c/guide", handle: "@guide@cop.example", postingPolicy: "members", announcementOnly: false,
  createdAt: "2026-01-01T00:00:00Z",
};
const HOSTILE = `<img src=x onerror=alert(1)>`;

const wg = (over: Partial<WorkingGroupView> = {}): WorkingGroupView => ({
  goal: `Write the guide ${HOSTILE}`,
  endsAt: "2026-06-30T23:59:59.999Z",
  archivedAt: null,
  maxMembers: 2,
  members: 2,
  deliverables: [
    { id: "d1", title: "Outline", status: "done", due: "2026-03-01", resourceUri: "https://docs.example/outline" },
    { id: "d2", title: HOSTILE, status: "in-progress", due: null, resourceUri: "javascript:alert(1)" },
  ],
  children: [],
  ...over,
});

const main = (page: string) => page.slice(page.indexOf("<main"), page.indexOf("</main>"));

describe("a working group's page", () => {
  it("shows goal, end date, capacity and deliverables with their status, escaping what it is given", () => {
    const page = main(renderCommunityPage({ instance, community, posts: [], workingGroup: wg() }, "en"));
    expect(page).toContain("Goal");
    expect(page).toContain("Write the guide &lt;img");
    expect(page).toContain("June 30, 2026");
    expect(page).toContain("2 of 2 (core group)");
    expect(page).toMatch(/Full: new members wait/);
    expect(page).toMatch(/<span class="badge">Done<\/span> Outline/);
    expect(page).toMatch(/<span class="badge">In progress<\/span> &lt;img/);
    expect(page).toContain('href="https://docs.example/outline"');
    expect(page).not.toContain("javascript:");
    expect(page).not.toContain("<img");
    expect(page).not.toContain("Archived");
  });

  it("shows the archived badge and the ended date, in French too", () => {
    const view = wg({ archivedAt: "2026-07-01T00:00:00Z" });
    expect(main(renderCommunityPage({ instance, community, posts: [], workingGroup: view }, "en"))).toMatch(/<h1>Guide <span class="badge">Archived<\/span><\/h1>/);
    const fr = main(renderCommunityPage({ instance, community, posts: [], workingGroup: view }, "fr"));
    expect(fr).toContain("Archivé");
    expect(fr).toContain("Terminé le");
    expect(fr).toContain("Livrables");
    expect(fr).toMatch(/<span class="badge">Terminé<\/span> Outline/);
  });

  it("shows a parent its working groups' deliverables", () => {
    const view = wg({
      goal: null, endsAt: null, maxMembers: null, deliverables: null,
      children: [{ id: "x", title: "Toolkit", status: "done", due: null, resourceUri: null,
        group: { uri: "https://other.example/c/wg", name: "Toolkit group", archived: true } }],
    });
    const en = main(renderCommunityPage({ instance, community: { ...community, stream: null }, posts: [], workingGroup: view }, "en"));
    expect(en).toContain("Working groups’ deliverables");
    expect(en).toMatch(/Toolkit.*From Toolkit group \(ended\)/s);
    const fr = main(renderCommunityPage({ instance, community: { ...community, stream: null }, posts: [], workingGroup: view }, "fr"));
    expect(fr).toContain("Livrables des groupes de travail");
  });
});
