import { describe, expect, it } from "vitest";
import { cleanJsonLd } from "../../src/federation/lenient-json.ts";

const AS = "https://www.w3.org/ns/activitystreams";

describe("cleaning payloads before JSON-LD parsing", () => {
  it("leaves a well-formed document alone", () => {
    const doc = { "@context": [AS, { toot: "http://joinmastodon.org/ns#" }], id: "https://a.example/1", type: "Note" };
    expect(cleanJsonLd(doc)).toEqual({ json: doc, changes: [] });
  });

  it("drops null ids at any depth, and nothing else", () => {
    const doc = { "@context": AS, type: "Create", object: { type: "Page", attachment: [{ type: "Link", id: null, href: "https://x.example" }], image: { "@id": null, url: null } } };
    const { json, changes } = cleanJsonLd(doc);
    expect(json).toEqual({ "@context": AS, type: "Create", object: { type: "Page", attachment: [{ type: "Link", href: "https://x.example" }], image: { url: null } } });
    expect(changes).toEqual(["dropped 2 null ids"]);
    expect(doc.object.attachment[0]).toHaveProperty("id", null);
  });

  it("puts the ActivityStreams context first when it is missing", () => {
    const inline = { toot: "http://joinmastodon.org/ns#" };
    expect(cleanJsonLd({ "@context": ["https://w3id.org/security/v1", inline], type: "Create" }).json)
      .toEqual({ "@context": [AS, "https://w3id.org/security/v1", inline], type: "Create" });
    expect(cleanJsonLd({ "@context": inline, type: "Create" }).json).toEqual({ "@context": [AS, inline], type: "Create" });
    expect(cleanJsonLd({ type: "Create" })).toEqual({ json: { "@context": AS, type: "Create" }, changes: ["added the ActivityStreams context"] });
    expect(cleanJsonLd({ "@context": "http://www.w3.org/ns/activitystreams", type: "Create" }).changes).toEqual([]);
  });

  it("passes non-objects through", () => {
    expect(cleanJsonLd([1, 2])).toEqual({ json: [1, 2], changes: [] });
    expect(cleanJsonLd("x")).toEqual({ json: "x", changes: [] });
  });
});
