// Issue 11 #4: URLs in model output or a shared chat that name (or resolve to) anything other than
// a media route must never get the access key, and content may not make the browser call our API.

import { afterEach, describe, expect, it, vi } from "vitest";
import { call } from "../src/api";
import { withAccessKey } from "../src/chat/media";
import { renderMarkdown } from "../src/markdown";
import { updateSettings } from "../src/settings";
import { throughShare } from "../src/share/media";

const HOSTILE = [
  "/files/../backend-api/v2/create?prompt=X&provider=Custom",
  "/files/%2e%2e/backend-api/v2/create?prompt=X",
  "/files/.%2E/backend-api/v2/create?prompt=X",
  "/files/b1234567/media/../../../backend-api/v2/create?prompt=X",
  "/files/b1234567/media/cat.png/../../../../backend-api/v2/create",
  "/files/b1234567/media/..%2F..%2F..%2Fbackend-api%2Fv2%2Fcreate",
  "/files/b1234567/media/%2e%2e/%2e%2e/%2e%2e/backend-api/v2/create",
  "/files\\..\\backend-api/v2/create?prompt=X",
  "/files/b1234567/media/cat.png?prompt=X&provider=Custom",
  "/files/b1234567/media/cat.png?share=s1234567&prompt=X",
  "/files/b1234567/media/",
  "/files/b1234567/other/cat.png",
  "/files/b1234567/media/cat.png/extra",
  `${location.origin}/files/../backend-api/v2/create?prompt=X`,
  "https://evil.example/files/b1234567/media/cat.png",
];

// Same-origin paths that are not media routes: rendered content must not load them at all.
const OWN_NON_MEDIA = [
  "/backend-api/v2/create?prompt=X&provider=Custom",
  "/files/../backend-api/v2/create?prompt=X&provider=Custom",
  "/files/%2e%2e/backend-api/v2/create?prompt=X",
  "/files/b1234567/media/../../../backend-api/v2/create?prompt=X",
  "/backend-api/v2/synthesize/Custom?text=X",
  "/media/../backend-api/v2/create?prompt=X",
  "/images/0123456789abcdef/../../backend-api/v2/create",
  "/search/x/../../backend-api/v2/create",
  "relative.png",
];

function stubFetch(): [string, RequestInit | undefined][] {
  const fetched: [string, RequestInit | undefined][] = [];
  vi.stubGlobal("fetch", async (url: string, init?: RequestInit) => {
    fetched.push([String(url), init]);
    return new Response("png", { status: 200 });
  });
  vi.stubGlobal("URL", Object.assign(URL, { createObjectURL: () => "blob:local-1" }));
  return fetched;
}

afterEach(() => {
  vi.unstubAllGlobals();
  updateSettings({ accessKey: "" });
});

describe("the access key goes to the caller's bucket media only", () => {
  it.each(HOSTILE)("is not sent for %s", async (src) => {
    updateSettings({ accessKey: "lck_victim" });
    const fetched = stubFetch();
    const root = document.createElement("div");
    for (const tag of ["img", "audio", "video", "source"]) {
      const el = document.createElement(tag);
      el.setAttribute("src", src);
      root.append(el);
    }
    withAccessKey(root);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(fetched).toEqual([]);
  });

  it("is sent to the exact media route, at its canonical path", async () => {
    updateSettings({ accessKey: "lck_owner" });
    const fetched = stubFetch();
    const root = document.createElement("div");
    root.innerHTML = `<img src="/files/b1234567/media/caf%C3%A9.png"><img src="${location.origin}/files/b1234567/media/dog.webp">`;
    withAccessKey(root);
    await vi.waitFor(() => expect(fetched).toHaveLength(2));
    expect(fetched.map(([url]) => url)).toEqual(["/files/b1234567/media/caf%C3%A9.png", "/files/b1234567/media/dog.webp"]);
    for (const [, init] of fetched) expect((init?.headers as Record<string, string>).authorization).toBe("Bearer lck_owner");
  });
});

describe("rendered content loads nothing else from our origin", () => {
  it.each(OWN_NON_MEDIA)("drops the image %s", (src) => {
    const div = document.createElement("div");
    div.innerHTML = renderMarkdown(`![x](${src}) text`);
    const img = div.querySelector("img");
    expect(img?.getAttribute("src") ?? null).toBeNull();
  });

  it("keeps media routes, other sites and data: images", () => {
    const srcs = ["/files/b1234567/media/cat.png", "/media/0123456789abcdef/gen.png",
      "/images/0123456789abcdef/gen.jpg", "/search/cat?skip=1", "https://example.org/a.png", "data:image/png;base64,iVBORw0KGgo="];
    const div = document.createElement("div");
    div.innerHTML = renderMarkdown(srcs.map((s) => `![x](${s})`).join(" "));
    expect([...div.querySelectorAll("img")].map((img) => img.getAttribute("src"))).toEqual(srcs);
  });
});

describe("a shared chat adds its share only to real bucket media", () => {
  it.each(HOSTILE)("leaves %s without the share", (src) => {
    const root = document.createElement("div");
    const img = document.createElement("img");
    img.setAttribute("src", src);
    root.append(img);
    throughShare(root, "s1234567");
    expect(img.getAttribute("src")).toBe(src); // left exactly as it was
  });
});

describe("API calls with the access key", () => {
  it.each([
    "/backend-api/v2/files/../create?prompt=X&provider=Custom",
    "/backend-api/v2/files/%2e%2e/create?prompt=X",
    "/backend-api/v2/chat/..\\create?prompt=X",
    "https://evil.example/backend-api/v2/files/b1234567",
    "/files/b1234567/media/cat.png",
  ])("refuses %s without sending anything", async (path) => {
    updateSettings({ accessKey: "lck_victim" });
    const fetched = stubFetch();
    await expect(call(path, { method: "DELETE" })).rejects.toThrow(/not an API path/);
    expect(fetched).toEqual([]);
  });
});
