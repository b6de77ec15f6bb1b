import { describe, expect, it } from "vitest";
import { CUT_MESSAGE, EventDecoder, readEvents } from "../src/stream";

const enc = new TextEncoder();

describe("NDJSON", () => {
  it("joins a line split across chunks, even inside a UTF-8 character", () => {
    const bytes = enc.encode('{"type":"content","content":"héllo"}\n{"type":"finish","finish":{"reason":"stop"}}\n');
    const cut = bytes.indexOf(0xc3) + 1; // between the two bytes of "é"
    const d = new EventDecoder();
    const first = d.push(bytes.slice(0, cut));
    expect(first).toEqual([]);
    const rest = d.push(bytes.slice(cut));
    expect(rest).toEqual([
      { type: "content", content: "héllo" },
      { type: "finish", finish: { reason: "stop" } },
    ]);
    expect(d.end()).toEqual([]);
  });

  it("takes a complete last line without its newline", () => {
    const d = new EventDecoder();
    expect(d.push('{"type":"content","content":"a"}')).toEqual([]);
    expect(d.end()).toEqual([{ type: "content", content: "a" }]);
  });

  it("turns a cut last line into an error event instead of dropping it", () => {
    const d = new EventDecoder();
    expect(d.push('{"type":"content","content":"a"}\n{"type":"cont')).toEqual([{ type: "content", content: "a" }]);
    expect(d.end()).toEqual([{ type: "error", error: "StreamCut", message: CUT_MESSAGE }]);
  });

  it("reads a byte stream chunk by chunk", async () => {
    const text = '{"type":"provider","provider":{"name":"Local"}}\n{"type":"content","content":"x"}\n';
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (const ch of text) c.enqueue(enc.encode(ch)); // one character per chunk
        c.close();
      },
    });
    const events = [];
    for await (const e of readEvents(body)) events.push(e.type);
    expect(events).toEqual(["provider", "content"]);
  });
});

describe("SSE", () => {
  it("reads named events split across chunks, with CRLF and comments", () => {
    const d = new EventDecoder();
    const out = [
      ...d.push(": keep-alive\r\n\r\nevent: content\r\ndata: {\"type\":\"content\",\"con"),
      ...d.push("tent\":\"hi\"}\r\n\r\nevent: finish\ndata: {\"finish\":{\"reason\":\"length\"}}\n\n"),
    ];
    expect(out).toEqual([
      { type: "content", content: "hi" },
      { type: "finish", finish: { reason: "length" } }, // the event name gives the missing type
    ]);
  });

  it("gives unnamed frames (file progress) the type message", () => {
    const d = new EventDecoder("sse");
    expect(d.push('data: {"action":"done","size":12}\n\n')).toEqual([{ type: "message", action: "done", size: 12 }]);
  });
});
