import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { runTurn } from "../src/chat/turn";
import type { MessageView } from "../src/chat/render";
import { setupWebSearch } from "../src/chat/webSearch";
import { renderMarkdown } from "../src/markdown";
import { settings, updateSettings } from "../src/settings";
import type { Conversation, Message } from "../src/types";

// What lambdachat streams for a searched answer: the text citing [[n]](url), then the sources
// (g4f's format), then finish.
const SOURCES = "\n\n\n\n> [0] [Rust language](https://www.rust-lang.org/)\n>\n> [1] [The Book](https://doc.rust-lang.org/book/)";
const STREAM = [
  { type: "provider", provider: { name: "Fake", label: "Fake", model: "m" } },
  { type: "content", content: "Rust is a language [[0]](https://www.rust-lang.org/)." },
  { type: "content", content: SOURCES },
  { type: "finish", finish: { reason: "stop" } },
].map((e) => JSON.stringify(e) + "\n").join("");

function toggle(): HTMLButtonElement {
  const button = document.createElement("button");
  document.body.append(button);
  return button;
}

const view = { setPreview: () => undefined, refresh: () => undefined, scheduleContent: () => undefined } as unknown as MessageView;

describe("the web search toggle", () => {
  beforeEach(() => {
    localStorage.clear();
    updateSettings({ webSearch: false });
  });
  afterEach(() => vi.unstubAllGlobals());

  it("is off at first, flips on a click and is remembered", () => {
    const button = toggle();
    const isOn = setupWebSearch(button);
    expect([button.getAttribute("aria-pressed"), isOn()]).toEqual(["false", false]);
    button.click();
    expect([button.getAttribute("aria-pressed"), isOn()]).toEqual(["true", true]);
    expect(JSON.parse(localStorage.getItem("lambdachat:settings") ?? "{}").webSearch).toBe(true);
    const later = toggle();   // the next visit
    setupWebSearch(later);
    expect(later.getAttribute("aria-pressed")).toBe("true");
    later.click();
    expect(settings().webSearch).toBe(false);
  });

  it("sends web_search with the message and shows the sources as links", async () => {
    const bodies: Record<string, unknown>[] = [];
    vi.stubGlobal("fetch", vi.fn(async (_url: string, init: RequestInit) => {
      bodies.push(JSON.parse(String(init.body)) as Record<string, unknown>);
      return new Response(STREAM, { status: 200, headers: { "content-type": "application/x-ndjson" } });
    }));
    const button = toggle();
    const isOn = setupWebSearch(button);
    const conv: Conversation = { id: "c1", title: "t", added: 0, updated: 0, items: [] };
    const ask = async (): Promise<Message> => {
      const answer: Message = { role: "assistant", content: "" };
      conv.items.push({ role: "user", content: "What is Rust?" }, answer);
      const ending = await runTurn({ conv, answer, view, action: "next", provider: "Fake", model: "",
        signal: new AbortController().signal, webSearch: isOn(), onTitle: () => undefined });
      expect(ending).toBe("finished");
      return answer;
    };

    await ask();
    expect(bodies[0].web_search).toBe(false);
    button.click();
    const answer = await ask();
    expect(bodies[1].web_search).toBe(true);

    const html = document.createElement("div");
    html.innerHTML = renderMarkdown(String(answer.content));
    const links = [...html.querySelectorAll("blockquote a")].map((a) => [a.textContent, a.getAttribute("href")]);
    expect(links).toEqual([["Rust language", "https://www.rust-lang.org/"], ["The Book", "https://doc.rust-lang.org/book/"]]);
    expect(html.querySelector("blockquote a")?.getAttribute("target")).toBe("_blank");
    expect(html.querySelector("p a")?.textContent).toBe("[0]");   // the citation links to its source
  });
});
