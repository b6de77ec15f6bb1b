// The open conversation: sending, stopping, regenerating, continuing, and saving after each.

import { API, call, postJson } from "../api";
import { toast } from "../dom";
import { settings } from "../settings";
import { getConversation, newConversation, saveConversation } from "../store";
import type { Conversation, Message, Part } from "../types";
import { MessageList } from "./list";
import { withAccessKey } from "./media";
import type { MessageActions } from "./render";
import { messageText } from "./text";
import { runTurn, type Action } from "./turn";

export interface ChatHooks {
  choice(): { provider: string; model: string };
  /** Whether this answer searches the web first (`web_search`). */
  webSearch?(): boolean;
  saved(conv: Conversation): void;
  busy(running: boolean): void;
  titleChanged(): void;
}

export class ChatController {
  conv: Conversation = newConversation();
  readonly list: MessageList;
  private abort: AbortController | null = null;
  private audio: HTMLAudioElement | null = null;

  constructor(messages: HTMLElement, private readonly hooks: ChatHooks) {
    const actions: MessageActions = {
      regenerate: () => void this.regenerate(),
      continueAnswer: () => void this.continueAnswer(),
      play: (msg, button) => this.play(msg, button),
    };
    this.list = new MessageList(messages, actions);
    // Attribute changes are not observed, so the rewrite does not call this again.
    new MutationObserver(() => withAccessKey(messages)).observe(messages, { childList: true, subtree: true });
  }

  get running(): boolean {
    return this.abort !== null;
  }

  async open(id: string): Promise<boolean> {
    const conv = await getConversation(id);
    if (!conv) return false;
    this.show(conv);
    return true;
  }

  show(conv: Conversation): void {
    this.stop();
    this.conv = conv;
    this.list.show(conv.items);
  }

  newChat(): void {
    this.show(newConversation());
  }

  async save(): Promise<void> {
    this.conv.updated = Date.now();
    await saveConversation(this.conv);
    this.hooks.saved(this.conv);
  }

  async send(text: string, parts: Part[] = [], attachments: Message["attachments"] = []): Promise<void> {
    if (this.running) return;
    const content: Message["content"] = parts.length ? [...parts, { type: "text", text }] : text;
    const user: Message = { role: "user", content };
    if (attachments?.length) user.attachments = attachments;
    if (!this.conv.items.length && this.conv.title === "New chat") {
      this.conv.title = text.trim().split("\n")[0].slice(0, 60) || "New chat";
    }
    this.conv.items.push(user);
    this.list.append(user);
    await this.answer("next");
  }

  async regenerate(): Promise<void> {
    if (this.running) return;
    const last = this.conv.items[this.conv.items.length - 1];
    if (last?.role === "assistant") {
      this.conv.items.pop();
      this.list.dropLast();
    }
    await this.answer("variant");
  }

  async continueAnswer(): Promise<void> {
    const last = this.conv.items[this.conv.items.length - 1];
    if (this.running || last?.role !== "assistant") return;
    const view = this.list.last();
    if (!view) return;
    delete last.finish;
    await this.stream(last, view, "continue");
  }

  private async answer(action: Action): Promise<void> {
    const answer: Message = { role: "assistant", content: "" };
    this.conv.items.push(answer);
    const view = this.list.append(answer, "streaming");
    await this.stream(answer, view, action);
  }

  private async stream(answer: Message, view: ReturnType<MessageList["append"]>, action: Action): Promise<void> {
    const abort = new AbortController();
    this.abort = abort;
    this.hooks.busy(true);
    view.setState("streaming");
    const { provider, model } = this.hooks.choice();
    const conv = this.conv;
    const ending = await runTurn({
      conv, answer, view, action, provider, model, signal: abort.signal, webSearch: this.hooks.webSearch?.() ?? false,
      onTitle: (title) => {
        if (title) conv.title = title;
        this.hooks.titleChanged();
      },
    });
    if (this.abort === abort) this.abort = null;
    view.setState(ending);
    this.hooks.busy(false);
    await saveConversationOf(conv, this.hooks);
    if (ending === "finished") this.remember(conv, answer);
  }

  stop(): void {
    this.abort?.abort();
  }

  /** Opt-in memory: the last exchange goes to the memory store after each answer. */
  private remember(conv: Conversation, answer: Message): void {
    const s = settings();
    if (!s.memory) return;
    const i = conv.items.indexOf(answer);
    const items = conv.items.slice(Math.max(0, i - 1), i + 1).map((m) => ({ role: m.role, content: messageText(m) }));
    void postJson(`${API}/memory/${encodeURIComponent(s.memoryUser)}`, { id: conv.id, items })
      .catch((err: unknown) => toast(`Memory: ${err instanceof Error ? err.message : String(err)}`));
  }

  /** Fetched rather than given to <audio src>, so the access key header goes along. */
  private play(msg: Message, button: HTMLButtonElement): void {
    this.audio?.pause();
    const engine = settings().ttsEngine || msg.synthesize?.provider || "gemini";
    const params = new URLSearchParams({ text: messageText(msg).slice(0, 4096) });
    button.textContent = "Loading…";
    const reset = (): void => { button.textContent = "Play"; button.classList.remove("playing"); };
    void call(`${API}/synthesize/${encodeURIComponent(engine)}?${params.toString()}`, { provider: engine })
      .then((r) => r.blob())
      .then((blob) => {
        const audio = new Audio(URL.createObjectURL(blob));
        this.audio = audio;
        button.textContent = "Playing";
        button.classList.add("playing");
        audio.addEventListener("ended", reset);
        return audio.play();
      })
      .catch((err: unknown) => {
        reset();
        toast(`Could not read this answer aloud: ${err instanceof Error ? err.message : String(err)}`);
      });
  }
}

async function saveConversationOf(conv: Conversation, hooks: ChatHooks): Promise<void> {
  conv.updated = Date.now();
  await saveConversation(conv);
  hooks.saved(conv);
}
