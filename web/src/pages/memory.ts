// /memory: what the memory store kept from my chats (opt-in), with search and delete.

import { API, call, getJson } from "../api";
import { h, toast } from "../dom";
import { applyTheme, settings, updateSettings } from "../settings";

interface Memory {
  id: string;
  memory: string;
  created_at?: number | string;
  metadata?: { conversation_id?: string; role?: string };
}

export function showMemory(root: HTMLElement): void {
  applyTheme();
  const user = encodeURIComponent(settings().memoryUser);
  const enabled = h("input", { type: "checkbox", id: "memory-toggle", checked: settings().memory });
  const search = h("input", { type: "search", id: "memory-search", placeholder: "Search memories",
    "aria-label": "Search memories" });
  const list = h("ul", { id: "memories", class: "memories" });
  root.replaceChildren(
    h("header", { class: "page-head" }, h("h1", {}, "Memory"), h("a", { href: "/" }, "Back to chat")),
    h("label", { class: "check" }, enabled, " Remember facts from my chats"),
    search, list);
  enabled.addEventListener("change", () => updateSettings({ memory: enabled.checked }));

  const load = async (): Promise<void> => {
    const q = search.value.trim();
    const query = q ? `search=${encodeURIComponent(q)}` : "page=1&page_size=100";
    try {
      const body = await getJson<Memory[] | { results?: Memory[] }>(`${API}/memory/${user}?${query}`);
      const items = Array.isArray(body) ? body : body.results ?? [];
      list.replaceChildren(...items.map((m) => {
        const remove = h("button", { type: "button", class: "icon delete", "aria-label": "Delete memory" }, "✕");
        const li = h("li", { class: "memory" }, h("span", { class: "text" }, m.memory), remove);
        remove.addEventListener("click", () => {
          void call(`${API}/memory/${user}/${encodeURIComponent(m.id)}`, { method: "DELETE" })
            .then(() => li.remove()).catch((err: unknown) => toast(String(err)));
        });
        return li;
      }));
      if (!items.length) list.append(h("li", { class: "empty" }, q ? "No memory matches." : "No memories yet."));
    } catch (err) {
      list.replaceChildren(h("li", { class: "error", role: "alert" }, err instanceof Error ? err.message : String(err)));
    }
  };
  let timer = 0;
  search.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void load(), 250);
  });
  void load();
}
