// The conversation list: new, open, rename, delete, search titles.

import { API, call } from "./api";
import { h } from "./dom";
import { deleteConversation, getConversation, listConversations, saveConversation } from "./store";
import { CLIENT_ID } from "./urls";
import type { ConversationSummary } from "./types";

export interface SidebarHooks {
  open(id: string): void;
  deleted(id: string): void;
  renamed(id: string, title: string): void;
  currentId(): string;
}

export class Sidebar {
  private search = "";

  constructor(private readonly list: HTMLElement, searchInput: HTMLInputElement, private readonly hooks: SidebarHooks) {
    searchInput.addEventListener("input", () => {
      this.search = searchInput.value;
      void this.refresh();
    });
  }

  async refresh(): Promise<void> {
    const items = await listConversations(this.search);
    this.list.replaceChildren(...items.map((c) => this.item(c)));
    if (!items.length) this.list.append(h("li", { class: "empty" }, this.search ? "No matching chats" : "No chats yet"));
  }

  private item(c: ConversationSummary): HTMLElement {
    const current = c.id === this.hooks.currentId();
    const open = h("button", { type: "button", class: "title", "aria-current": current ? "page" : undefined,
      onclick: () => this.hooks.open(c.id) }, c.title || "Untitled");
    const rename = h("button", { type: "button", class: "icon rename", "aria-label": `Rename ${c.title}`,
      title: "Rename" }, "✎");
    const remove = h("button", { type: "button", class: "icon delete", "aria-label": `Delete ${c.title}`,
      title: "Delete", onclick: () => void this.remove(c.id) }, "✕");
    const li = h("li", { class: current ? "current" : "" }, open, rename, remove);
    rename.addEventListener("click", () => this.startRename(li, c));
    return li;
  }

  private startRename(li: HTMLElement, c: ConversationSummary): void {
    const input = h("input", { type: "text", class: "rename-input", value: c.title, "aria-label": "New title" });
    li.replaceChildren(input);
    input.focus();
    input.select();
    let finished = false;
    const finish = async (keep: boolean): Promise<void> => {
      if (finished) return;
      finished = true;
      const title = input.value.trim();
      if (keep && title && title !== c.title) {
        const conv = await getConversation(c.id);
        if (conv) {
          conv.title = title;
          conv.updated = Date.now();
          await saveConversation(conv);
          this.hooks.renamed(c.id, title);
        }
      }
      await this.refresh();
    };
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") void finish(true);
      if (e.key === "Escape") void finish(false);
    });
    input.addEventListener("blur", () => void finish(true));
  }

  /** Like g4f V1: deleting a chat also revokes its share and deletes its uploaded files. */
  private async remove(id: string): Promise<void> {
    const conv = await getConversation(id);
    if (conv?.share) {
      await import("./share/owner").then((m) => m.revokeShare(conv)).catch(() => undefined);
    }
    // A copied share's attachments are someone else's data: only well-formed ids become a DELETE.
    const buckets = new Set((conv?.items ?? []).flatMap((m) => (m.attachments ?? []).map((a) => a.bucket_id))
      .filter((b) => typeof b === "string" && CLIENT_ID.test(b)));
    await Promise.allSettled([...buckets].map((b) => call(`${API}/files/${b}`, { method: "DELETE" })));
    await deleteConversation(id);
    this.hooks.deleted(id);
    await this.refresh();
  }
}
