// The worker's admission of an activity the inbox's direct path queued
// (src/federation/signer.ts, admissionProblem with a queued admission): it
// must still parse to the one actor it was accepted for, every key that
// verified it on that actor's origin, and the domain policy must allow it.
import type { Context, KvStore } from "@fedify/fedify";
import { MemoryKvStore } from "@fedify/fedify";
import { Create, Note } from "@fedify/vocab";
import { describe, expect, it } from "vitest";
import { admissionProblem, type QueuedAdmission, queuedAdmission } from "../../src/federation/signer.ts";
import type { AppServices } from "../../src/services.ts";

const ANA = "https://a.example/users/ana";
const BOB = "https://b.example/users/bob";

function ctx(blocked: string[] = []): Context<AppServices> {
  const domainPolicy = { judge: async (host: string) => (blocked.includes(host) ? { allowed: false, reason: "blocked" } : { allowed: true }) };
  return { data: { domainPolicy } } as unknown as Context<AppServices>;
}

const create = (actor: string) => new Create({
  id: new URL(`${actor}/statuses/1/activity`), actor: new URL(actor),
  object: new Note({ id: new URL(`${actor}/statuses/1`), content: "Hi" }),
});

async function problem(admission: QueuedAdmission | null, actor: string, blocked: string[] = [], kv: KvStore = new MemoryKvStore()) {
  return queuedAdmission.run(admission, () => admissionProblem(ctx(blocked), create(actor), kv));
}

describe("admitting an activity the direct path queued", () => {
  it("admits it when it parses to the actor it was accepted for, with its key on that origin", async () => {
    expect(await problem({ actor: ANA, keyIds: [`${ANA}#main-key`] }, ANA)).toBeNull();
  });

  it("drops it when it parses to another actor", async () => {
    expect(await problem({ actor: ANA, keyIds: [`${ANA}#main-key`] }, BOB)).toBe("it does not parse to the actor it was accepted for");
  });

  it("drops it when a key that verified it is on another origin", async () => {
    expect(await problem({ actor: ANA, keyIds: ["https://evil.example/key"] }, ANA)).toContain("is not on its actor's origin");
  });

  it("drops it when the domain policy now refuses its actor's host", async () => {
    expect(await problem({ actor: ANA, keyIds: [`${ANA}#main-key`] }, ANA, ["a.example"])).toContain("refused");
  });

  it("without a queued admission, requires the inbox hook's record", async () => {
    expect(await problem(null, ANA)).toBe("it was not admitted with this actor by the inbox");
  });
});
