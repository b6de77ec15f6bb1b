// /usage: tokens per day (a bar chart drawn on canvas) and per model, from /stats.

import { API, getJson } from "../api";
import { h } from "../dom";
import { applyTheme } from "../settings";

interface Counts {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

interface Stats {
  days: (Counts & { date: string })[];
  models: Record<string, Counts>;
  totals: Counts;
}

/** Drawn at the width it is shown at (and the screen's pixel ratio), so labels stay readable. */
function chart(days: Stats["days"], shownWidth: number): HTMLCanvasElement {
  const width = Math.max(280, Math.min(880, shownWidth));
  const height = 220;
  const ratio = window.devicePixelRatio || 1;
  const canvas = h("canvas", { width: Math.round(width * ratio), height: Math.round(height * ratio),
    id: "usage-chart", role: "img", "aria-label": `Tokens per day over the last ${days.length} days` });
  const ctx = canvas.getContext("2d");
  if (!ctx) return canvas;
  ctx.scale(ratio, ratio);
  const style = getComputedStyle(document.documentElement);
  const max = Math.max(1, ...days.map((d) => d.total_tokens));
  const slot = width / Math.max(1, days.length);
  ctx.font = "11px system-ui, sans-serif";
  days.forEach((d, i) => {
    const prompt = (d.prompt_tokens / max) * (height - 30);
    const completion = (d.completion_tokens / max) * (height - 30);
    ctx.fillStyle = style.getPropertyValue("--accent").trim() || "#2563eb";
    ctx.fillRect(i * slot + 2, height - 18 - prompt, slot - 4, prompt);
    ctx.fillStyle = style.getPropertyValue("--accent-2").trim() || "#16a34a";
    ctx.fillRect(i * slot + 2, height - 18 - prompt - completion, slot - 4, completion);
    if (i % Math.ceil(days.length / 7) === 0) {
      ctx.fillStyle = style.getPropertyValue("--muted").trim() || "#666";
      ctx.fillText(d.date.slice(5), i * slot + 2, height - 4);
    }
  });
  return canvas;
}

export function showUsage(root: HTMLElement): void {
  applyTheme();
  const body = h("section", { class: "usage" }, h("p", {}, "Loading…"));
  root.replaceChildren(h("header", { class: "page-head" }, h("h1", {}, "Usage"), h("a", { href: "/" }, "Back to chat")), body);
  void getJson<Stats>(`${API}/stats?days=30`).then((stats) => {
    const rows = Object.entries(stats.models).map(([name, c]) =>
      h("tr", {}, h("td", {}, name), h("td", {}, String(c.prompt_tokens)), h("td", {}, String(c.completion_tokens)),
        h("td", {}, String(c.total_tokens))));
    body.replaceChildren(
      h("p", { id: "usage-total" }, `${stats.totals.total_tokens} tokens in the last ${stats.days.length} days`),
      h("p", { class: "legend" }, h("span", { class: "key prompt" }), " prompt ", h("span", { class: "key completion" }), " completion"),
      chart(stats.days, body.clientWidth),
      h("table", { id: "usage-models" },
        h("thead", {}, h("tr", {}, h("th", {}, "Model"), h("th", {}, "Prompt"), h("th", {}, "Completion"), h("th", {}, "Total"))),
        h("tbody", {}, ...rows)));
  }).catch((err: unknown) => {
    body.replaceChildren(h("p", { role: "alert" }, err instanceof Error ? err.message : String(err)));
  });
}
