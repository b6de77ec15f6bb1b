import { describe, expect, it } from "vitest";
import { safeBoundary } from "../src/chat/render";

describe("safeBoundary (what a streaming answer may render for good)", () => {
  it("stops after the last blank line", () => {
    const text = "# Title\n\nFirst paragraph.\n\nSecond, still arriv";
    expect(text.slice(0, safeBoundary(text, 0))).toBe("# Title\n\nFirst paragraph.\n\n");
  });

  it("never cuts inside an open code fence", () => {
    const text = "Intro.\n\n```python\ndef f():\n\n    return 1\n";
    expect(safeBoundary(text, 0)).toBe("Intro.\n\n".length);
  });

  it("moves past a fence once it is closed", () => {
    const text = "```\na\n\nb\n```\n\nAfter";
    expect(text.slice(safeBoundary(text, 0))).toBe("After");
  });

  it("only moves forward from what is already frozen", () => {
    const text = "One.\n\nTwo.\n\nThr";
    const first = safeBoundary(text, 0);
    expect(safeBoundary(text, first)).toBe(first);
    expect(safeBoundary("One.\n\n", 0)).toBe(6);
    expect(safeBoundary("No blank line yet", 0)).toBe(0);
  });
});
