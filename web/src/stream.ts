// Reads the conversation stream: NDJSON (the default framing) or SSE named events (`?format=sse`).
// Network chunks cut lines anywhere, even inside a UTF-8 character; a connection that drops
// leaves a cut last line, which becomes an error event instead of vanishing.

export interface StreamEvent {
  type: string;
  [key: string]: unknown;
}

export const CUT_MESSAGE = "StreamCut: the connection ended in the middle of the answer";

function parse(text: string, fallbackType?: string): StreamEvent | null {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
    const event = value as Record<string, unknown>;
    if (typeof event.type !== "string") {
      if (!fallbackType) return null;
      event.type = fallbackType;
    }
    return event as StreamEvent;
  } catch {
    return null;
  }
}

type Framing = "ndjson" | "sse" | "auto";

export class EventDecoder {
  private buffer = "";
  private readonly decoder = new TextDecoder();
  private framing: Framing;

  constructor(framing: Framing = "auto") {
    this.framing = framing;
  }

  /** Adds a chunk and returns every event completed by it. */
  push(chunk: Uint8Array | string): StreamEvent[] {
    this.buffer += typeof chunk === "string" ? chunk : this.decoder.decode(chunk, { stream: true });
    if (this.framing === "auto") {
      const start = this.buffer.trimStart();
      if (!start) return [];
      this.framing = /^(event|data|id|retry):|^:/.test(start) ? "sse" : "ndjson";
    }
    return this.framing === "sse" ? this.takeFrames(false) : this.takeLines(false);
  }

  /** The stream ended: whatever is left is either one last complete event or a cut one. */
  end(): StreamEvent[] {
    this.buffer += this.decoder.decode();
    if (!this.buffer.trim()) return [];
    const events = this.framing === "sse" ? this.takeFrames(true) : this.takeLines(true);
    return events;
  }

  private takeLines(final: boolean): StreamEvent[] {
    const events: StreamEvent[] = [];
    const lines = this.buffer.split("\n");
    this.buffer = final ? "" : (lines.pop() ?? "");
    for (const raw of lines) {
      const line = raw.trim();
      if (!line) continue;
      events.push(parse(line) ?? { type: "error", error: "StreamCut", message: CUT_MESSAGE });
    }
    return events;
  }

  private takeFrames(final: boolean): StreamEvent[] {
    const events: StreamEvent[] = [];
    const frames = this.buffer.replace(/\r\n?/g, "\n").split("\n\n");
    this.buffer = final ? "" : (frames.pop() ?? "");
    for (const frame of frames) {
      if (!frame.trim()) continue;
      let name: string | undefined;
      const data: string[] = [];
      for (const line of frame.split("\n")) {
        if (line.startsWith(":")) continue; // a comment (keep-alive)
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") name = value;
        else if (field === "data") data.push(value);
      }
      if (!data.length) continue;
      events.push(parse(data.join("\n"), name ?? "message") ?? { type: "error", error: "StreamCut", message: CUT_MESSAGE });
    }
    return events;
  }
}

/** Yields the events of a fetch response body as they arrive. */
export async function* readEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<StreamEvent> {
  const decoder = new EventDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* decoder.push(value);
    }
    yield* decoder.end();
  } finally {
    reader.releaseLock();
  }
}
