import { afterEach, describe, expect, it, vi } from "vitest";
import { DEMO_TEXT, isDemo, showDemoBanner } from "../src/demo";
import { ModelPicker } from "../src/models";

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.replaceChildren();
});

function chatScreen(): HTMLElement {
  document.body.innerHTML = `<main id="chat"><header class="toolbar"></header><section id="messages"></section></main>
    <select id="provider"></select><select id="model"></select>`;
  return document.querySelector<HTMLElement>("#chat")!;
}

function serve(models: unknown[]): void {
  vi.stubGlobal("fetch", async (url: string) => {
    const body = url.endsWith("/providers") ? [{ name: "Local", label: "Local", auth: false }] : models;
    return new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
  });
}

async function loadedPicker(): Promise<ModelPicker> {
  const picker = new ModelPicker(document.querySelector("#provider")!, document.querySelector("#model")!, () => {});
  await picker.load();
  return picker;
}

describe("the demo banner", () => {
  it("shows under the toolbar when the server's /models says demo", async () => {
    const chat = chatScreen();
    serve([{ name: "SmolLM2-135M-Instruct", image: false, vision: false, providers: ["Local"], demo: true }]);
    const picker = await loadedPicker();
    expect(picker.demo).toBe(true);
    showDemoBanner(chat, picker.demo);
    const banner = chat.querySelector("#demo-banner");
    expect(banner?.textContent).toBe(DEMO_TEXT);
    expect(banner?.previousElementSibling?.classList.contains("toolbar")).toBe(true);
    showDemoBanner(chat, picker.demo);
    expect(chat.querySelectorAll("#demo-banner")).toHaveLength(1); // once, however often it is asked
  });

  it("is absent for an ordinary server, whose entries carry no demo flag", async () => {
    const chat = chatScreen();
    serve([{ name: "gpt-4o-mini", image: false, vision: true, providers: ["OpenAI"] }]);
    const picker = await loadedPicker();
    expect(picker.demo).toBe(false);
    showDemoBanner(chat, picker.demo);
    expect(chat.querySelector("#demo-banner")).toBeNull();
  });

  it("takes only a real true as demo", () => {
    expect(isDemo([{ demo: "false" }, { demo: 1 }, {}])).toBe(false);
    expect(isDemo([{}, { demo: true }])).toBe(true);
  });
});
