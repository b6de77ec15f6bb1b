"""The web app's speed in Chromium: initial JS size, opening a 1,000-message chat, streaming into it.

    .venv/bin/python bench/spa_perf.py [--messages 1000] [--runs 5] [--tokens 1500]

Needs a built app (`make web`) and Debian's chromium. Prints:
- initial JS: the gzip size of every script `web/dist/index.html` loads before the app runs
  (the entry chunk and its modulepreloads), plus the CSS; lazy chunks listed apart;
- open: a 1,000-message conversation (markdown, code, lists) put in IndexedDB, then the page is
  reloaded with it as the last chat: the `lambdachat:show` measure (list built and laid out) and
  the time from navigation start to that point, median and max of `--runs`;
- streaming: an answer of `--tokens` markdown chunks arriving every 8 ms into that conversation
  (the stream comes from an in-page fetch stub, so the number is the client's alone): p95 and
  max of requestAnimationFrame intervals (60 Hz = 16.7 ms; above that frames were dropped) and
  p95 of the app's own work per repaint (`lambdachat:paint` measures).
"""

from __future__ import annotations

import argparse
import gzip
import re
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.local_server import local_server

DIST = Path(__file__).resolve().parents[1] / "web" / "dist"
CHROMIUM = "/usr/bin/chromium"

SEED = """async ({count}) => {
  const parts = [
    "Here is **bold** text, a [link](https://example.org) and `inline code`.",
    "1. first\\n2. second\\n3. third\\n\\n> a quote",
    "```python\\ndef f(x):\\n    return x * 2\\n```\\nThat doubles it.",
    "| a | b |\\n|---|---|\\n| 1 | 2 |",
  ];
  const items = [];
  for (let i = 0; i < count; i++) {
    items.push(i % 2 === 0
      ? {role: "user", content: `Question number ${i}: how does part ${i} work?`}
      : {role: "assistant", content: parts[i % parts.length] + `\\n\\nAnswer ${i}.`,
         provider: {name: "Local", label: "Local", model: "SmolLM2"}});
  }
  const conv = {id: "bench-long", title: "Long chat", added: 1, updated: Date.now(), items};
  await new Promise((resolve, reject) => {
    const open = indexedDB.open("lambdachat", 1);
    open.onupgradeneeded = () => {
      open.result.createObjectStore("conversations", {keyPath: "id"});
      open.result.createObjectStore("summaries", {keyPath: "id"});
    };
    open.onsuccess = () => {
      const tx = open.result.transaction(["conversations", "summaries"], "readwrite");
      tx.objectStore("conversations").put(conv);
      tx.objectStore("summaries").put({id: conv.id, title: conv.title, updated: conv.updated});
      tx.oncomplete = () => { open.result.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
  });
  localStorage.setItem("lambdachat:last", conv.id);
}"""

# Replaces fetch for the conversation route only: a markdown answer, one chunk every 8 ms.
STREAM_STUB = """(() => {
  const real = window.fetch.bind(window);
  window.fetch = (input, init) => {
    const url = typeof input === "string" ? input : input.url;
    if (!url.includes("/backend-api/v2/conversation")) return real(input, init);
    const tokens = window.__benchTokens || 1500;
    const words = ["The ", "quick ", "**brown** ", "fox ", "`jumps` ", "over ", "the ", "lazy ", "dog. "];
    const enc = new TextEncoder();
    let i = 0;
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(enc.encode(JSON.stringify({type: "provider",
          provider: {name: "Bench", label: "Bench", model: "stub"}}) + "\\n"));
        const timer = setInterval(() => {
          let text = words[i % words.length];
          if (i % 40 === 39) text += "\\n\\n";
          if (i % 300 === 150) text += "\\n```js\\nconsole.log(" + i + ");\\n```\\n";
          controller.enqueue(enc.encode(JSON.stringify({type: "content", content: text}) + "\\n"));
          if (++i >= tokens) {
            clearInterval(timer);
            controller.enqueue(enc.encode(JSON.stringify({type: "finish", finish: {reason: "stop"}}) + "\\n"));
            controller.close();
          }
        }, 8);
      },
    });
    return Promise.resolve(new Response(body, {headers: {"content-type": "application/x-ndjson"}}));
  };
})();"""

FRAMES = """() => new Promise((resolve) => {
  const deltas = [];
  let last = performance.now();
  const tick = (now) => {
    deltas.push(now - last);
    last = now;
    if (document.querySelector(".message.assistant.streaming") || deltas.length < 5) requestAnimationFrame(tick);
    else resolve(deltas.slice(2));
  };
  requestAnimationFrame(tick);
})"""


def initial_js() -> None:
    index = (DIST / "index.html").read_text()
    named = re.findall(r'(?:src|href)="/(assets/[^"]+\.(?:js|css))"', index)
    total_js = 0
    for name in named:
        raw = (DIST / name).read_bytes()
        size = len(gzip.compress(raw, 9))
        if name.endswith(".js"):
            total_js += size
        print(f"  {name:45s} {len(raw) / 1024:7.1f} KB raw {size / 1024:6.1f} KB gzip")
    print(f"initial JS: {total_js / 1024:.1f} KB gzip (budget 60 KB)")
    lazy = sorted(p for p in (DIST / "assets").glob("*.js") if f"assets/{p.name}" not in named)
    print("lazy chunks: " + ", ".join(f"{p.name.split('-')[0]} {len(gzip.compress(p.read_bytes(), 9)) / 1024:.1f}"
                                      for p in lazy) + " (KB gzip)")


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def browser_numbers(url: str, messages: int, runs: int, tokens: int) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.add_init_script(STREAM_STUB)
        page = context.new_page()
        page.goto(url)
        page.evaluate(SEED, {"count": messages})
        shows: list[float] = []
        since_start: list[float] = []
        for _ in range(runs):
            page.reload()
            page.wait_for_selector(".message.assistant")
            entry: list[float] = page.evaluate(
                "() => performance.getEntriesByName('lambdachat:show')"
                ".map(e => [e.duration, e.startTime + e.duration])[0]")
            shows.append(entry[0])
            since_start.append(entry[1])
        print(f"open {messages} messages: show {statistics.median(shows):.1f} ms median, {max(shows):.1f} max; "
              f"navigation start to shown {statistics.median(since_start):.0f} ms median, "
              f"{max(since_start):.0f} max (budget 500 ms)")

        page.evaluate(f"window.__benchTokens = {tokens}")
        page.evaluate("performance.clearMeasures('lambdachat:paint')")
        page.fill("#prompt", "Stream a long answer")
        page.press("#prompt", "Enter")
        deltas: list[float] = page.evaluate(FRAMES)
        paints: list[float] = page.evaluate(
            "() => performance.getEntriesByName('lambdachat:paint').map(e => e.duration)")
        print(f"streaming {tokens} chunks into it: {len(deltas)} frames, rAF interval p95 {p95(deltas):.1f} ms, "
              f"max {max(deltas):.1f} ms (budget 16 ms at 60 Hz = no dropped frame); "
              f"{len(paints)} repaints, work p95 {p95(paints):.2f} ms, max {max(paints):.2f} ms")
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=1500)
    args = parser.parse_args()
    if not (DIST / "index.html").is_file():
        sys.exit("web/dist is missing: run `make web` first")
    initial_js()
    with local_server() as server:
        browser_numbers(server.url, args.messages, args.runs, args.tokens)


if __name__ == "__main__":
    main()
