import { describe, expect, it } from "vitest";
import { summaryRole } from "../../src/domain/posts.ts";

describe("what a summary is", () => {
  it("is a content warning on Notes and polls, as Mastodon sends them", () => {
    expect(summaryRole("Note", true)).toBe("content-warning");
    expect(summaryRole("Note", null)).toBe("content-warning");
    expect(summaryRole("Question", true)).toBe("content-warning");
  });

  it("is an excerpt on every other type, and on a Note the sender says is not sensitive", () => {
    for (const type of ["Article", "Page", "Video", "Audio", "Event"]) {
      expect(summaryRole(type, null)).toBe("excerpt");
      expect(summaryRole(type, true)).toBe("excerpt");
    }
    expect(summaryRole("Note", false)).toBe("excerpt");
  });
});
