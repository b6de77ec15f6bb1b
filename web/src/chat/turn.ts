// One answer: builds the request, reads the stream, folds each event into the message.

import { API, call, postJson } from "../api";
import { uuid } from "../dom";
import { readEvents, type StreamEvent } from "../stream";
import type { Conversation, Message, Notice, ProviderInfo, Reasoning } from "../types";
import type { MessageView } from "./render";

export type Action = "next" | "variant" | "continue";

export interface TurnOptions {
  conv: Conversation;
  answer: Message;
  view: MessageView;
  action: Action;
  provider: string;
  model: string;
  signal: AbortSignal;
  webSearch?: boolean;
  onTitle(title: string): void;
}

/** What the server gets: role and content only (g4f V1 `prepare_messages` drops the rest). */
export function requestMessages(items: Message[]): { role: string; content: Message["content"] }[] {
  return items.map(({ role, content }) => ({ role, content }));
}

function addNotice(msg: Message, notice: Notice): void {
  msg.notices = [...(msg.notices ?? []), notice];
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** Folds one event into the answer; returns true when the view needs more than a body repaint. */
export function applyEvent(conv: Conversation, msg: Message, event: StreamEvent,
  hooks: { onTitle(title: string): void; onPreview(text: string): void }): boolean {
  switch (event.type) {
    case "provider":
      msg.provider = event.provider as ProviderInfo;
      return true;
    case "content":
      msg.content = (typeof msg.content === "string" ? msg.content : "") + str(event.content);
      return false;
    case "preview":
      hooks.onPreview(str(event.preview));
      return false;
    case "reasoning": {
      const r: Reasoning = msg.reasoning ?? { text: "" };
      if (event.token) r.text += str(event.token);
      if (event.status) r.status = str(event.status);
      if (event.label) r.label = str(event.label);
      msg.reasoning = r;
      return true;
    }
    case "conversation":
      conv.data = { ...conv.data, ...(event.conversation as Record<string, unknown>) };
      return false;
    case "synthesize":
      msg.synthesize = event.synthesize as Message["synthesize"];
      return false;
    case "title":
      hooks.onTitle(str(event.title));
      return false;
    case "finish":
      msg.finish = event.finish as { reason: string };
      return true;
    case "usage":
      msg.usage = event.usage as Record<string, number>;
      return false;
    case "message":
      addNotice(msg, { kind: "warning", text: str(event.message) });
      return true;
    case "error":
      addNotice(msg, { kind: "error", text: str(event.message) || str(event.error) });
      return true;
    case "auth":
      addNotice(msg, { kind: "auth", text: `${str(event.message)} — add a key for this provider in Settings.` });
      return true;
    default:
      return false; // log and unknown types: nothing to show
  }
}

function logProblem(event: StreamEvent, provider: ProviderInfo | undefined): void {
  void postJson(`${API}/log`, { ...event, provider: provider?.name ?? null }).catch(() => undefined);
}

/** Streams one answer into `answer`. Resolves with how it ended. */
export async function runTurn(o: TurnOptions): Promise<"finished" | "stopped" | "failed"> {
  const { conv, answer, view } = o;
  const history = o.action === "continue" ? conv.items : conv.items.slice(0, conv.items.indexOf(answer));
  const providerName = o.provider || answer.provider?.name || "";
  const body = {
    id: uuid(),
    conversation_id: conv.id,
    model: o.model,
    provider: o.provider,
    messages: requestMessages(history),
    action: o.action,
    conversation: providerName ? conv.data?.[providerName] : undefined,
    download_media: true,
    web_search: o.webSearch ?? false,
  };
  try {
    const response = await call(`${API}/conversation`, {
      method: "POST", body: JSON.stringify(body), signal: o.signal, provider: o.provider,
      headers: { "content-type": "application/json", accept: "application/x-ndjson" },
    });
    if (!response.body) throw new Error("The server sent no answer");
    for await (const event of readEvents(response.body)) {
      const structural = applyEvent(conv, answer, event, {
        onTitle: o.onTitle, onPreview: (text) => view.setPreview(text),
      });
      if (event.type === "message" || event.type === "error") logProblem(event, answer.provider);
      if (structural) view.refresh(true);
      else if (event.type === "content") view.scheduleContent();
    }
  } catch (err) {
    if (o.signal.aborted) {
      addNotice(answer, { kind: "stopped", text: "Stopped." });
      return "stopped";
    }
    addNotice(answer, { kind: "error", text: err instanceof Error ? err.message : String(err) });
    return "failed";
  }
  return answer.notices?.some((n) => n.kind === "error" || n.kind === "auth") ? "failed" : "finished";
}
