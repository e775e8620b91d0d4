// A community's Announces, as a member's server receives them over HTTP,
// carry an integrity proof that Fedify verifies against the key the
// community's own actor document publishes (src/federation/announce-json.ts).
import { getDocumentLoader, verifyObject } from "@fedify/fedify";
import { Announce } from "@fedify/vocab";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommunity } from "../../src/operations/communities.ts";
import { waitFor } from "../support/net.ts";
import { startPraxis, type TestPraxis } from "../support/praxis.ts";
import { AS_CONTEXT, type RawActor, type RawHost, startRawHost } from "../support/raw-host.ts";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";

describe("a community's Announces as received", () => {
  let praxis: TestPraxis;
  let host: RawHost;
  let group: string;
  let ana: RawActor;

  beforeAll(async () => {
    praxis = await startPraxis();
    host = await startRawHost("127.0.0.83");
    await createCommunity(praxis, "meadow", { name: "Meadow" });
    group = `${praxis.origin}/c/meadow`;
    ana = await host.actor("ana");
    await host.send(`${group}/inbox`, { "@context": AS_CONTEXT, id: host.newId("follows"), type: "Follow", actor: ana.id, object: group }, ana);
    await waitFor(() => host.inboxPosts((r) => r.json?.type === "Accept")[0], "the Accept");
  });
  afterAll(async () => {
    await host?.stop();
    await praxis?.stop();
  });

  it("verify with Fedify against the community's published key, both the Announce(Create) and the boost; the Create is the one sent", async () => {
    const id = `${ana.id}/statuses/${crypto.randomUUID()}`;
    const create = {
      "@context": AS_CONTEXT, id: `${id}/activity`, type: "Create", actor: ana.id, to: [PUBLIC], cc: [group],
      object: {
        id, type: "Note", attributedTo: ana.id, content: "<p>Seeds to share</p>", to: [PUBLIC], cc: [group], published: new Date().toISOString(),
        // Mastodon's own term, unknown to Fedify's vocabulary: kept when the Create is relayed as sent.
        atomUri: id,
      },
    };
    expect((await host.send(`${group}/inbox`, create, ana)).status).toBe(202);
    const announces = await waitFor(() => {
      const received = host.inboxPosts((r) => r.json?.type === "Announce" && JSON.stringify(r.json).includes(id));
      return received.length === 2 ? received.map((r) => r.json) : null;
    }, "the Announce(Create) and the boost");
    // FEP-1b12: the Create is relayed as its author sent it.
    const relayed = announces.find((json) => typeof json.object === "object");
    expect(relayed.object).toMatchObject({ id: create.id, actor: ana.id, object: { id, atomUri: id, content: "<p>Seeds to share</p>" } });
    const documentLoader = getDocumentLoader({ allowPrivateAddress: true });
    for (const json of announces) {
      expect(json.proof).toMatchObject({ cryptosuite: "eddsa-jcs-2022", verificationMethod: `${group}#multikey-2` });
      expect(json.signature).toBeUndefined();
      expect(json.to).toBe(PUBLIC);
      const verified = await verifyObject(Announce, json, { documentLoader, contextLoader: documentLoader });
      expect(verified?.actorId?.href).toBe(group);
      // Anything changed after signing fails.
      expect(await verifyObject(Announce, { ...json, cc: [] }, { documentLoader, contextLoader: documentLoader })).toBeNull();
    }
  });
});
