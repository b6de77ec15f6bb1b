import { describe, expect, it } from "vitest";
import { throughShare } from "../src/share/media";

describe("throughShare", () => {
  it("sends bucket media of a shared chat through its share, and nothing else", () => {
    const root = document.createElement("div");
    root.innerHTML = [
      '<img src="/files/b1234567/media/cat.png">',
      '<a href="/files/b1234567/media/clip.mp4">clip</a>',
      '<img src="/media/owner/gen.png">',
      '<img src="https://example.com/files/x.png">',
    ].join("");
    throughShare(root, "s 1");
    throughShare(root, "s 1"); // idempotent: a second pass adds nothing
    const [own, link, generated, remote] = [...root.querySelectorAll("img, a")];
    expect(own.getAttribute("src")).toBe("/files/b1234567/media/cat.png?share=s%201");
    expect(link.getAttribute("href")).toBe("/files/b1234567/media/clip.mp4?share=s%201");
    expect(generated.getAttribute("src")).toBe("/media/owner/gen.png");
    expect(remote.getAttribute("src")).toBe("https://example.com/files/x.png");
  });
});
