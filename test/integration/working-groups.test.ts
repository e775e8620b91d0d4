// Working groups and the core group over real signed HTTP: a working group
// on one Praxis server linked to its parent on another; its deliverables
// reach the parent; once its end date passes it is archived (read-only),
// and its finished deliverables show on the parent. The membership cap:
// an open community rejects a Follow beyond it, with the reason; a closed
// one keeps requests waiting in order. And the admin API's answers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount, createToken } from "../../src/operations/accounts.ts";
import { createCommunity } from "../../src/operations/communities.ts";
import {
  addDeliverable, finishedDeliverablesOfArchivedChildren, listChildDeliverables, updateDeliverable,
} from "../../src/operations/deliverables.ts";
import { approveMember, listMembers } from "../../src/operations/members.ts";
import { listResources } from "../../src/operations/resources.ts";
import { sleep, waitFor } from "../support/net.ts";
import { link, type Place } from "../support/network.ts";
import { type Peer, startPeer } from "../support/peer.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";
import { Note, Object as APObject } from "@fedify/vocab";

const AP = { Accept: "application/activity+json" };
const BY = "test:moderator";

let s1: TestPraxis;
let s2: TestPraxis;
let peer: Peer;
let guide: Place;
let national: Place;

beforeAll(async () => {
  // The working group's server checks end dates often, so that the test need not wait a minute.
  s1 = await startPraxis({ workingGroups: { archiveCheckSeconds: 0.2 } });
  s2 = await startPraxis();
  peer = await startPeer({ users: ["alice", "bob", "carol", "dan"] });
  await createCommunity(s1, "guide", {
    name: "Guide", stream: "build", goal: "Write the onboarding guide", ends: new Date(Date.now() + 86_400_000).toISOString(),
  });
  await createCommunity(s2, "national", { name: "National", scale: "national" });
  guide = { server: s1, slug: "guide", uri: `${s1.origin}/c/guide` };
  national = { server: s2, slug: "national", uri: `${s2.origin}/c/national` };
  await link(national, guide, "request");
}, 60_000);

afterAll(async () => {
  await peer?.stop();
  await s1?.stop();
  await s2?.stop();
});

const childDeliverables = () => listChildDeliverables(s2, "national");

describe("a working group linked to a parent on another server", () => {
  let draftId: string;
  let draftUri: string;

  it("federates its goal, end date and deliverables collection on the Group", async () => {
    const group = await (await fetch(guide.uri, { headers: AP })).json();
    expect(group.goal).toBe("Write the onboarding guide");
    expect(Date.parse(group.endsAt)).toBeGreaterThan(Date.now());
    expect(group.archived).toBe(false);
    expect(group.deliverables).toBe(`${guide.uri}/deliverables`);
    expect(JSON.stringify(group["@context"])).toContain('"goal":"praxis:goal"');
  });

  it("sends a new deliverable to the parent, which holds it; updates follow", async () => {
    const d = await addDeliverable(s1, "guide", { title: "First draft", due: "2030-01-31", resource: "https://docs.example/draft" }, BY);
    draftId = d.id;
    draftUri = d.uri;
    const held = await waitFor(async () => (await childDeliverables()).find((x) => x.uri === d.uri), "the parent to hold the deliverable");
    expect(held).toMatchObject({ title: "First draft", status: "planned", due: "2030-01-31", resourceUri: "https://docs.example/draft" });
    expect(held.group).toMatchObject({ uri: guide.uri, name: "Guide", goal: "Write the onboarding guide", archived: false });

    // The object at its own address, and in the Group's collection.
    const object = await (await fetch(d.uri, { headers: AP })).json();
    expect(object).toMatchObject({ id: d.uri, type: ["Note", "Deliverable"], name: "First draft", deliverableStatus: "planned", attributedTo: guide.uri });
    // What a microblog (Mastodon) makes of it: a Note from the group saying what it delivers.
    const note = await APObject.fromJsonLd(object);
    expect(note).toBeInstanceOf(Note);
    expect(note.content?.toString()).toBe('<p>Guide deliverable: <strong>First draft</strong> (planned, due 2030-01-31) <a href="https://docs.example/draft">https://docs.example/draft</a></p>');
    const collection = await (await fetch(`${guide.uri}/deliverables`, { headers: AP })).json();
    expect(collection.orderedItems.map((i: any) => i.id)).toEqual([d.uri]);
    // A browser is sent to the community page.
    const html = await fetch(d.uri, { headers: { Accept: "text/html" }, redirect: "manual" });
    expect(html.status).toBe(303);

    await updateDeliverable(s1, "guide", d.id, { status: "done" }, BY);
    await waitFor(async () => (await childDeliverables()).find((x) => x.uri === d.uri && x.status === "done"), "the parent to see it done");
    await addDeliverable(s1, "guide", { title: "Translations" }, BY);
    await waitFor(async () => (await childDeliverables()).length === 2, "the second deliverable to arrive");
    // Not archived yet: nothing for the resource centre.
    expect(await finishedDeliverablesOfArchivedChildren(s2, "national")).toEqual([]);
  });

  it("accepts a member's post before its end date", async () => {
    await peer.follow("alice", guide.uri);
    await waitFor(async () => (await listMembers(s1, "guide", false)).some((m) => m.actorUri === peer.userUri("alice")), "alice to join");
    const { noteId } = await peer.post("alice", { content: "Outline attached", mention: [guide.uri] });
    const c = await s1.services.repos.communities.findBySlug("guide");
    await waitFor(async () => (await s1.services.repos.posts.findByObject(noteId)).some((p) => p.community_id === c!.id), "the post to be relayed");
  });

  it("is archived when its end date passes, tells the parent, and its done deliverables appear there", async () => {
    // The end date in the near past, as if the time had come.
    await s1.services.db.updateTable("communities").set({ ends_at: new Date(Date.now() - 1000).toISOString() })
      .where("slug", "=", "guide").execute();
    const archived = await waitFor(async () => (await s1.services.repos.communities.findBySlug("guide"))?.archivedAt, "the timer to archive the group");
    expect(Date.parse(archived)).toBeLessThanOrEqual(Date.now());
    const group = await (await fetch(guide.uri, { headers: AP })).json();
    expect(group.archived).toBe(true);

    const finished = await waitFor(async () => {
      const rows = await finishedDeliverablesOfArchivedChildren(s2, "national");
      return rows.length > 0 ? rows : null;
    }, "the parent to list the archived group's finished deliverables");
    expect(finished).toEqual([{
      title: "First draft", url: "https://docs.example/draft", deliverableUri: draftUri, community: { uri: guide.uri, name: "Guide" },
      updatedAt: expect.any(String),
    }]);
    // The parent's resource centre lists it as the working group's result.
    const centre = await listResources(s2, "national");
    expect(centre.filter((r) => r.type === "Deliverable").map((r) => [r.title, r.url, r.workingGroup?.name]))
      .toEqual([["First draft", "https://docs.example/draft", "Guide"]]);
    const centrePage = await (await fetch(new URL("/c/national/resources", s2.origin), { headers: { Accept: "text/html" } })).text();
    expect(centrePage).toContain("Result of the working group Guide");
    expect(centrePage).toContain('href="https://docs.example/draft"');
    // The unfinished one stays out of the resource centre but is listed, archived.
    const all = await childDeliverables();
    expect(all.map((x) => [x.title, x.status, x.group.archived])).toEqual([["First draft", "done", true], ["Translations", "planned", true]]);
    // Both pages say so.
    const parentPage = await (await fetch(national.uri, { headers: { Accept: "text/html" } })).text();
    expect(parentPage).toMatch(/Working groups’ deliverables/);
    expect(parentPage).toMatch(/<span class="badge">Done<\/span> First draft/);
    const groupPage = await (await fetch(guide.uri, { headers: { Accept: "text/html" } })).text();
    expect(groupPage).toMatch(/<span class="badge">Archived<\/span>/);
    expect(groupPage).toContain("Write the onboarding guide");
    // Archived: deliverables are final.
    await expect(updateDeliverable(s1, "guide", draftId, { status: "in-progress" }, BY)).rejects.toMatchObject({ field: "community" });
  });

  it("refuses new posts and new members once archived", async () => {
    const { noteId } = await peer.post("alice", { content: "One more thing", mention: [guide.uri] });
    await peer.follow("bob", guide.uri);
    const reject = await waitFor(() => peer.receivedOf("Reject", (r) => r.actor === guide.uri)[0], "bob's Follow to be rejected");
    expect(reject.json.summary ?? reject.json.content).toMatch(/archived/);
    await sleep(500);
    expect(await s1.services.repos.posts.findByObject(noteId)).toEqual([]);
    // The parent (subscribed along the link) and alice; bob was turned away.
    expect((await listMembers(s1, "guide", false)).map((m) => m.actorUri).sort()).toEqual([national.uri, peer.userUri("alice")].sort());
    // Still listed.
    expect((await s1.services.repos.communities.list()).map((c) => c.slug)).toContain("guide");
  });
});

describe("a closed working group under a closed parent", () => {
  it("serves its deliverables to members only, and its parent (a member) still receives them", async () => {
    await createCommunity(s1, "taskforce", { name: "Taskforce", stream: "build", closed: true, goal: "Draft the policy" });
    await createCommunity(s2, "council", { name: "Council", closed: true });
    const taskforce: Place = { server: s1, slug: "taskforce", uri: `${s1.origin}/c/taskforce` };
    await link({ server: s2, slug: "council", uri: `${s2.origin}/c/council` }, taskforce, "request");
    const d = await addDeliverable(s1, "taskforce", { title: "Policy draft" }, BY);
    // Unsigned: refused.
    expect((await fetch(d.uri, { headers: AP })).status).toBe(401);
    expect((await fetch(`${taskforce.uri}/deliverables`, { headers: AP })).status).toBe(401);
    // The parent fetched it signed, as a member.
    const held = await waitFor(async () => (await listChildDeliverables(s2, "council")).find((x) => x.uri === d.uri),
      "the closed parent to hold the closed group's deliverable");
    expect(held).toMatchObject({ title: "Policy draft", status: "planned", group: { uri: taskforce.uri, name: "Taskforce" } });
    // The closed parent's page is for members: the public page does not list it.
    const page = await (await fetch(`${s2.origin}/c/council`, { headers: { Accept: "text/html" } })).text();
    expect(page).not.toContain("Policy draft");
  });
});

describe("the core group: a membership cap", () => {
  beforeAll(async () => {
    await createCommunity(s2, "core", { name: "Core", maxMembers: 1 });
    await createCommunity(s2, "board", { name: "Board", closed: true, maxMembers: 1 });
  });

  it("rejects a Follow beyond the cap of an open community, saying it is full", async () => {
    const core = `${s2.origin}/c/core`;
    await peer.follow("alice", core);
    await waitFor(() => peer.receivedOf("Accept", (r) => r.actor === core)[0], "alice to be accepted");
    await peer.follow("bob", core);
    const reject = await waitFor(() => peer.receivedOf("Reject", (r) => r.actor === core)[0], "bob to be rejected");
    expect(reject.json.content).toMatch(/full.*1 member/);
    expect(reject.json.summary).toMatch(/full/);
    expect(reject.json.object.actor ?? reject.json.object).toBeTruthy();
    expect((await listMembers(s2, "core", false)).map((m) => m.actorUri)).toEqual([peer.userUri("alice")]);
    const group = await (await fetch(core, { headers: AP })).json();
    expect(group.maxMembers).toBe(1);
  });

  it("keeps a closed community's requests waiting in order and refuses approval past the cap", async () => {
    const board = `${s2.origin}/c/board`;
    for (const user of ["carol", "alice", "dan"]) {
      await peer.follow(user, board);
      await waitFor(async () => (await listMembers(s2, "board", true)).some((m) => m.actorUri === peer.userUri(user)), `${user}'s request`);
      await sleep(20);
    }
    const waiting = await listMembers(s2, "board", true);
    expect(waiting.map((m) => [m.waitlistPosition, m.actorUri])).toEqual([
      [1, peer.userUri("carol")], [2, peer.userUri("alice")], [3, peer.userUri("dan")],
    ]);
    await approveMember(s2, "board", peer.userUri("carol"), BY);
    await expect(approveMember(s2, "board", peer.userUri("alice"), BY)).rejects.toMatchObject({ field: "max-members" });
    const after = await listMembers(s2, "board", true);
    expect(after.map((m) => [m.waitlistPosition, m.actorUri])).toEqual([[1, peer.userUri("alice")], [2, peer.userUri("dan")]]);
    // No Reject for those waiting: they stay pending.
    expect(peer.receivedOf("Reject", (r) => r.actor === board)).toEqual([]);
  });
});

describe("the admin API", () => {
  let token: string;
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${s2.origin}/api/v1/admin${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: await res.json() };
  };

  beforeAll(async () => {
    await createAccount(s2, { username: "root", role: "operator", password: "operator password 1" }, BY);
    token = (await createToken(s2, "root", "test", BY)).token;
  });

  it("sets the cap, the goal and the end date, and names the field it refuses", async () => {
    expect((await api("PATCH", "/communities/core", { maxMembers: 5 })).json.maxMembers).toBe(5);
    const bad = await api("PATCH", "/communities/core", { maxMembers: "lots" });
    expect(bad.status).toBe(400);
    expect(bad.json.field).toBe("maxMembers");
    const goal = await api("PATCH", "/communities/core", { goal: "Ship it" });
    expect(goal.status).toBe(400);
    expect(goal.json.field).toBe("goal");
    const past = await api("PATCH", "/communities/core", { stream: "build", ends: "2001-01-01" });
    expect(past.status).toBe(400);
    expect(past.json.field).toBe("ends");
    const wg = await api("PATCH", "/communities/core", { stream: "build", goal: "Ship it", ends: "2099-12-31" });
    expect(wg.status).toBe(200);
    expect(wg.json).toMatchObject({ goal: "Ship it", endsAt: "2099-12-31T23:59:59.999Z" });
    expect((await api("PATCH", "/communities/nowhere", { maxMembers: 2 })).status).toBe(404);
  });

  it("adds, updates and lists deliverables; 400 names the field, 404 for unknown ones", async () => {
    const added = await api("POST", "/communities/core/deliverables", { title: "Plan", due: "2099-01-01" });
    expect(added.status).toBe(201);
    expect(added.json).toMatchObject({ title: "Plan", status: "planned", due: "2099-01-01" });
    const noTitle = await api("POST", "/communities/core/deliverables", { due: "2099-01-01" });
    expect([noTitle.status, noTitle.json.field]).toEqual([400, "title"]);
    const badStatus = await api("PATCH", `/communities/core/deliverables/${added.json.id}`, { status: "finished" });
    expect([badStatus.status, badStatus.json.field]).toEqual([400, "status"]);
    expect((await api("PATCH", `/communities/core/deliverables/${added.json.id}`, { status: "done" })).json.status).toBe("done");
    expect((await api("PATCH", "/communities/core/deliverables/no-such-id", { status: "done" })).status).toBe(404);
    expect((await api("GET", "/communities/nowhere/deliverables")).status).toBe(404);
    const list = await api("GET", "/communities/core/deliverables");
    expect(list.json.deliverables.map((d: any) => [d.title, d.status])).toEqual([["Plan", "done"]]);
    const children = await api("GET", "/communities/national/deliverables?children=true");
    expect(children.json.deliverables.map((d: any) => d.title)).toEqual(["First draft", "Translations"]);
    const finished = await api("GET", "/communities/national/deliverables/finished");
    expect(finished.json.deliverables.map((d: any) => d.title)).toEqual(["First draft"]);
    const waiting = await api("GET", "/communities/board/members?status=pending");
    expect(waiting.json.members.map((m: any) => m.waitlistPosition)).toEqual([1, 2]);
  });
});
