import { afterEach, describe, expect, it, vi } from "vitest";
import { withAccessKey } from "../src/chat/media";
import { updateSettings } from "../src/settings";

afterEach(() => {
  vi.unstubAllGlobals();
  updateSettings({ accessKey: "" });
});

describe("withAccessKey", () => {
  it("leaves media alone in open mode", () => {
    const root = document.createElement("div");
    root.innerHTML = '<img src="/files/b1234567/media/cat.png">';
    withAccessKey(root);
    expect(root.querySelector("img")?.getAttribute("src")).toBe("/files/b1234567/media/cat.png");
  });

  it("fetches the caller's bucket media with the access key in keys mode", async () => {
    updateSettings({ accessKey: "lck_test" });
    const fetched: [string, RequestInit | undefined][] = [];
    vi.stubGlobal("fetch", async (url: string, init?: RequestInit) => {
      fetched.push([url, init]);
      return new Response("png", { status: 200 });
    });
    vi.stubGlobal("URL", Object.assign(URL, { createObjectURL: () => "blob:local-1" }));
    const root = document.createElement("div");
    root.innerHTML = '<img src="/files/b1234567/media/cat.png"><img src="/media/owner/gen.png">';
    withAccessKey(root);
    const [own, generated] = [...root.querySelectorAll("img")];
    await vi.waitFor(() => expect(own.getAttribute("src")).toBe("blob:local-1"));
    expect(generated.getAttribute("src")).toBe("/media/owner/gen.png");
    expect(fetched).toHaveLength(1);
    expect(fetched[0][0]).toBe("/files/b1234567/media/cat.png");
    expect((fetched[0][1]?.headers as Record<string, string>).authorization).toBe("Bearer lck_test");
  });
});
