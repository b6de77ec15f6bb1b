import { describe, expect, it } from "vitest";
import { renderMarkdown, sanitize } from "../src/markdown";

function dom(html: string): HTMLElement {
  const div = document.createElement("div");
  div.innerHTML = html;
  return div;
}

describe("renderMarkdown", () => {
  it("renders markdown", () => {
    const out = dom(renderMarkdown("# Title\n\n**bold** and `code`\n\n```js\nlet a = 1;\n```"));
    expect(out.querySelector("h1")?.textContent).toBe("Title");
    expect(out.querySelector("strong")?.textContent).toBe("bold");
    expect(out.querySelector("pre code.language-js")?.textContent).toBe("let a = 1;\n");
  });

  it("shows raw HTML from the model as text", () => {
    const out = dom(renderMarkdown('<img src=x onerror="alert(1)"> <script>alert(2)</script>'));
    expect(out.querySelector("img, script")).toBeNull();
    expect(out.textContent).toContain("<script>alert(2)</script>");
  });

  it("leaves javascript: links without an href", () => {
    const out = dom(renderMarkdown("[click](javascript:alert(1)) [ok](https://example.org)"));
    const hrefs = [...out.querySelectorAll("a")].map((a) => a.getAttribute("href"));
    expect(hrefs).toEqual(["https://example.org"]);
    expect(out.querySelector("a")?.getAttribute("rel")).toContain("noopener");
  });

  it("decodes named entities through the browser", () => {
    expect(dom(renderMarkdown("&copy; &amp; &nosuch;")).textContent?.trim()).toBe("© & &nosuch;");
  });
});

describe("sanitize", () => {
  it("removes scripts, handlers, iframes and javascript: URLs", () => {
    const out = dom(sanitize(
      '<p onclick="x()">a</p><script>x()</script><iframe src="https://e.org"></iframe>'
      + '<a href="javascript:x()">l</a><img src="x" onerror="x()"><svg><script>x()</script></svg>'
      + '<a href="JaVaScRiPt:x()">m</a><form><button formaction="javascript:x()">b</button></form>'));
    expect(out.querySelector("script, iframe, svg, form, button")).toBeNull();
    expect(out.querySelector("[onclick], [onerror]")).toBeNull();
    for (const a of out.querySelectorAll("a")) expect(a.getAttribute("href") ?? "").not.toMatch(/javascript/i);
    // `x` is a path of our own origin that is no media route: kept as an image, loading nothing
    expect(out.querySelector("img")?.hasAttribute("src")).toBe(false);
  });
});
