// Rules behind the web pages and the console, on plain data: where a
// visitor's "follow from your server" leads, attachments and language read
// from ActivityPub objects, names wrapped in network boxes, page cursors,
// the sign-in limiter and the CSRF comparison, and the favicon's format.
import { Document, Image, LanguageString, Link, Note, PropertyValue } from "@fedify/vocab";
import { describe, expect, it } from "vitest";
import { attachmentsOf, languageOf } from "../../src/federation/attachments.ts";
import { parseAttachments } from "../../src/domain/media.ts";
import { interactionUrl, visitorServer } from "../../src/domain/remote-interaction.ts";
import { csrfMatches, FailureLimiter, type ConsoleSession } from "../../src/web/console/session.ts";
import { wrapName } from "../../src/web/pages/network.ts";
import { faviconIco } from "../../src/web/routes/meta.ts";
import { decodeCursor, encodeCursor } from "../../src/web/routes/public.ts";

describe("follow from your server", () => {
  it("finds the visitor's server from a handle, a host or an address", () => {
    expect(visitorServer("@me@social.example").href).toBe("https://social.example/");
    expect(visitorServer("me@social.example").href).toBe("https://social.example/");
    expect(visitorServer("  social.example ").href).toBe("https://social.example/");
    expect(visitorServer("https://social.example/@me").href).toBe("https://social.example/");
    expect(visitorServer("http://127.0.0.2:3000").href).toBe("http://127.0.0.2:3000/");
    expect(visitorServer("acct:me@social.example:8443").href).toBe("https://social.example:8443/");
  });

  it("refuses anything that is not one server", () => {
    for (const bad of ["", "not a handle", "me", "@me", "javascript:alert(1)", "https://user:pass@social.example", "a@b@c.example",
      "ftp://social.example", "localhost", "social.example/path with space", "x".repeat(400)]) {
      expect(() => visitorServer(bad), bad).toThrow(/handle such as/);
    }
  });

  it("leads to the server's interaction page with the id to follow", () => {
    expect(interactionUrl(new URL("https://social.example"), "https://cop.example/c/nurses"))
      .toBe("https://social.example/authorize_interaction?uri=https%3A%2F%2Fcop.example%2Fc%2Fnurses");
  });
});

describe("attachments and language", () => {
  it("keeps images with their alt text, files and links, never fetching, and the content's language", async () => {
    const note = new Note({
      id: new URL("https://social.example/notes/1"),
      contents: ["<p>Bonjour</p>", new LanguageString("<p>Bonjour</p>", "fr-CA")],
      attachments: [
        new Document({ url: new URL("https://media.example/a.png"), mediaType: "image/png", name: "A ward", width: 800, height: 600 }),
        new Image({ url: new URL("https://media.example/b.jpg") }),
        new Document({ url: new URL("https://media.example/c.mp4"), mediaType: "video/mp4" }),
        new Document({ url: new URL("https://media.example/d.pdf"), mediaType: "application/pdf", name: "Protocol" }),
        new Link({ href: new URL("https://blog.example/post") }),
        new PropertyValue({ name: "Website", value: "x" }),
        new Document({ url: new URL("javascript:alert(1)") }),
      ],
    });
    const attachments = await attachmentsOf(note);
    expect(attachments.map((a) => [a.kind, a.url, a.description])).toEqual([
      ["image", "https://media.example/a.png", "A ward"],
      ["image", "https://media.example/b.jpg", null],
      ["video", "https://media.example/c.mp4", null],
      ["file", "https://media.example/d.pdf", "Protocol"],
      ["link", "https://blog.example/post", null],
    ]);
    expect(attachments[0]).toMatchObject({ width: 800, height: 600, mediaType: "image/png" });
    expect(languageOf(note)).toBe("fr-CA");
    expect(languageOf(new Note({ content: "no language" }))).toBeNull();
  });

  it("reads stored attachments defensively", () => {
    expect(parseAttachments("not json")).toEqual([]);
    expect(parseAttachments(`{"url":"https://x.example"}`)).toEqual([]);
    expect(parseAttachments(`[{"url":"javascript:alert(1)"},{"kind":"image","url":"https://x.example/a.png"}]`)).toHaveLength(1);
  });
});

describe("network boxes", () => {
  it("wrap a name on two lines and cut the rest with an ellipsis", () => {
    expect(wrapName("Nurses")).toEqual(["Nurses"]);
    expect(wrapName("Night nurses of the Occitanie region")).toEqual(["Night nurses of the", "Occitanie region"]);
    const long = wrapName("Réseau national des infirmières et infirmiers de France");
    expect(long).toHaveLength(2);
    expect(long[1].endsWith("…")).toBe(true);
    for (const line of [...long, ...wrapName("Supercalifragilisticexpialidocious community")]) expect([...line].length).toBeLessThanOrEqual(22);
  });
});

describe("page cursors", () => {
  it("round-trip, and anything else is refused", () => {
    const cursor = { at: "2026-03-14T09:30:00.000Z", id: "7f1c6f0e-93b4-4a5e-9a57-0c1c2b3d4e5f" };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    expect(decodeCursor(undefined)).toBeUndefined();
    expect(decodeCursor("2026-03-14T09:30:00Z_' or 1=1 --")).toBeNull();
  });
});

describe("console sign-in and forms", () => {
  it("limit failures per key in a window and let a success reset a username", () => {
    const limiter = new FailureLimiter(3, 60);
    const t0 = 1_000_000;
    for (let i = 0; i < 3; i++) limiter.fail("user:maya", t0);
    expect(limiter.retryAfter("user:maya", t0 + 1000)).toBe(59);
    expect(limiter.retryAfter("user:olga", t0 + 1000)).toBe(0);
    expect(limiter.retryAfter("user:maya", t0 + 60_000)).toBe(0);
    limiter.reset("user:maya");
    expect(limiter.retryAfter("user:maya", t0 + 1000)).toBe(0);
    expect(new FailureLimiter(0, 60).retryAfter("any")).toBe(0);
  });

  it("accept only the session's own CSRF token", () => {
    const session = { csrfToken: "abc123" } as ConsoleSession;
    expect(csrfMatches(session, "abc123")).toBe(true);
    expect(csrfMatches(session, "abc124")).toBe(false);
    expect(csrfMatches(session, "")).toBe(false);
    expect(csrfMatches(session, undefined)).toBe(false);
    expect(csrfMatches(session, ["abc123"])).toBe(false);
  });
});

describe("the favicon", () => {
  it("is an ICO holding one 32×32 PNG", () => {
    const ico = faviconIco();
    expect([...ico.subarray(0, 6)]).toEqual([0, 0, 1, 0, 1, 0]);
    expect([ico[6], ico[7]]).toEqual([32, 32]);
    const png = ico.subarray(ico.readUInt32LE(18));
    expect(png.length).toBe(ico.readUInt32LE(14));
    expect([...png.subarray(1, 4)].map((b) => String.fromCharCode(b)).join("")).toBe("PNG");
  });
});
