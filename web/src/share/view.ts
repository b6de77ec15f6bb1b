// /chat/<share_id>/<conversation_id>: a shared chat, read-only. Polls every 5 s while visible
// (If-None-Match with the last ETag) and offers a private copy.

import { API, call } from "../api";
import { MessageList } from "../chat/list";
import { h, uuid } from "../dom";
import { saveConversation } from "../store";
import { throughShare } from "./media";
import type { Conversation } from "../types";

const POLL_MS = 5000;

export function showShared(root: HTMLElement, shareId: string, conversationId: string): void {
  const title = h("h1", { class: "shared-title" }, "Shared chat");
  const note = h("p", { class: "muted" }, "Read-only. Updates appear as the owner writes.");
  const copy = h("button", { type: "button", id: "copy-to-mine", class: "primary", disabled: true },
    "Continue in my chats");
  const messages = h("section", { id: "messages", class: "messages shared", "aria-label": "Messages" });
  root.replaceChildren(h("header", { class: "shared-head" }, title, copy), note, messages);
  root.classList.add("shared-page");
  const list = new MessageList(messages, null);
  // Attribute changes are not observed, so rewriting them here does not call this again.
  new MutationObserver(() => throughShare(messages, shareId)).observe(messages, { childList: true, subtree: true });
  let etag = "";
  let conv: Conversation | null = null;
  let gone = false;

  const load = async (): Promise<void> => {
    if (gone || document.visibilityState !== "visible") return;
    try {
      const response = await call(`${API}/chat/${encodeURIComponent(shareId)}`, {
        headers: etag ? { "if-none-match": etag, "x-conversation-id": conversationId } : {},
      });
      if (response.status === 304) return;
      etag = response.headers.get("etag") ?? "";
      conv = (await response.json()) as Conversation;
      title.textContent = conv.title || "Shared chat";
      document.title = `${title.textContent} · lambdachat`;
      copy.disabled = false;
      list.show(Array.isArray(conv.items) ? conv.items : []);
    } catch (err) {
      if (err instanceof Error && "status" in err && (err as { status: number }).status === 404) {
        gone = true;
        conv = null;
        copy.disabled = true;
        messages.replaceChildren(h("p", { class: "gone", role: "alert" }, "This shared chat is no longer available."));
      }
    }
  };

  copy.addEventListener("click", () => {
    if (!conv) return;
    const now = Date.now();
    const mine: Conversation = { ...structuredClone(conv), id: uuid(), added: now, updated: now };
    delete mine.share;
    void saveConversation(mine).then(() => {
      localStorage.setItem("lambdachat:last", mine.id);
      location.assign("/");
    });
  });
  void load();
  const timer = window.setInterval(() => void load(), POLL_MS);
  document.addEventListener("visibilitychange", () => void load());
  window.addEventListener("pagehide", () => window.clearInterval(timer));
}
