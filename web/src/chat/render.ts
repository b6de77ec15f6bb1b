// One message as DOM: meta line, collapsible reasoning, markdown body, notices and actions.
// While an answer streams, the markdown is re-rendered at most once per animation frame.

import { copyText, h, toast } from "../dom";
import { renderMarkdown } from "../markdown";
import type { Message } from "../types";
import { canContinue, messageText } from "./text";

export type MessageState = "streaming" | "finished" | "stopped" | "failed";

export interface MessageActions {
  regenerate(): void;
  continueAnswer(): void;
  play(msg: Message, button: HTMLButtonElement): void;
}

let highlighter: Promise<typeof import("./highlight")> | null = null;

function decorateCode(content: HTMLElement, highlight: boolean): void {
  for (const pre of content.querySelectorAll("pre")) {
    const code = pre.querySelector("code");
    if (!code || pre.querySelector(".copy-code")) continue;
    const button = h("button", { type: "button", class: "copy-code", "aria-label": "Copy code" }, "Copy");
    button.addEventListener("click", () => {
      void copyText(code.textContent ?? "").then((ok) => toast(ok ? "Code copied" : "Copy failed"));
    });
    pre.prepend(button);
  }
  if (highlight && content.querySelector("pre code")) {
    highlighter ??= import("./highlight");
    void highlighter.then((m) => m.highlightWithin(content));
  }
}

/** The end of the last blank line after `from` that is not inside a ``` fence, or `from`. */
export function safeBoundary(text: string, from: number): number {
  let boundary = from;
  let fenced = false;
  let lineStart = from;
  while (lineStart < text.length) {
    const newline = text.indexOf("\n", lineStart);
    if (newline < 0) break;
    const line = text.slice(lineStart, newline);
    if (/^\s{0,3}(```|~~~)/.test(line)) fenced = !fenced;
    else if (!fenced && line.trim() === "" && lineStart > from) boundary = newline + 1;
    lineStart = newline + 1;
  }
  return boundary;
}

export class MessageView {
  readonly el: HTMLElement;
  private readonly meta = h("div", { class: "meta" });
  private readonly reasoning = h("details", { class: "reasoning", hidden: true });
  private readonly thoughts = h("div", { class: "thoughts" });
  private readonly summary = h("summary", {}, "Reasoning");
  private readonly content = h("div", { class: "content" });
  private readonly notices = h("div", { class: "notices" });
  private readonly actions = h("div", { class: "actions" });
  private pending = 0;
  private preview = "";
  /** While streaming: the blocks already rendered for good, and the text they came from. */
  private frozen = h("div", { class: "frozen" });
  private live = h("div", { class: "live" });
  private frozenLength = 0;
  /** Set by the list: whether the reader is at the end (read before a repaint), then scroll there. */
  follow: { atEnd(): boolean; toEnd(): void } | null = null;

  constructor(readonly msg: Message, private readonly handlers: MessageActions | null, private state: MessageState = "finished") {
    this.reasoning.append(this.summary, this.thoughts);
    this.el = h("article", { class: `message ${msg.role}` },
      this.meta, this.reasoning, this.content, this.notices, this.actions);
    this.el.setAttribute("aria-label", msg.role === "user" ? "You" : "Assistant");
    this.refresh(false);
    this.paintContent();
  }

  /** Redraws everything but the body; the body follows on the next frame. */
  refresh(isLast: boolean): void {
    const { msg } = this;
    this.el.className = `message ${msg.role} ${msg.role === "assistant" ? this.state : ""}`.trim();
    const provider = msg.provider;
    this.meta.textContent = msg.role === "user" ? "You"
      : provider ? [provider.label || provider.name, provider.model].filter(Boolean).join(" · ") : "Assistant";
    if (msg.attachments?.length) {
      this.meta.append(...msg.attachments.map((a) => h("span", { class: "chip" }, a.name)));
    }
    if (msg.reasoning?.text || msg.reasoning?.status) {
      this.reasoning.hidden = false;
      this.summary.textContent = msg.reasoning.label || (this.state === "streaming" ? "Thinking…" : "Reasoning");
      this.thoughts.textContent = [msg.reasoning.status, msg.reasoning.text].filter(Boolean).join("\n");
    }
    this.notices.replaceChildren(...(msg.notices ?? []).map((n) =>
      h("p", { class: `notice ${n.kind}`, role: n.kind === "error" ? "alert" : undefined }, n.text)));
    this.renderActions(isLast);
  }

  setState(state: MessageState, isLast = true): void {
    this.state = state;
    this.refresh(isLast);
    if (state !== "streaming") this.paintContent();
  }

  setPreview(text: string): void {
    this.preview = text;
    this.scheduleContent();
  }

  scheduleContent(): void {
    if (this.pending) return;
    this.pending = requestAnimationFrame(() => {
      this.pending = 0;
      this.paintContent();
    });
  }

  private paintContent(): void {
    if (this.pending) {
      cancelAnimationFrame(this.pending);
      this.pending = 0;
    }
    const text = messageText(this.msg) || this.preview;
    if (this.msg.role === "user") {
      this.content.textContent = text; // the user's own words, shown exactly as typed
      return;
    }
    const atEnd = this.follow?.atEnd() ?? false;
    const start = performance.now();
    if (this.state === "streaming") this.paintStreaming(text);
    else {
      this.frozenLength = 0;
      this.frozen.replaceChildren();
      this.content.innerHTML = renderMarkdown(text);
      decorateCode(this.content, true);
    }
    if (atEnd) this.follow?.toEnd();
    // While streaming, each repaint's cost is measured (bench/spa_perf.py reads it).
    if (this.state === "streaming") performance.measure("lambdachat:paint", { start });
  }

  /**
   * Completed blocks (up to the last blank line outside a code fence) are rendered once and kept;
   * only the tail is rendered again on each frame, so a long answer costs the same per frame as a
   * short one. The finished answer is rendered whole once more (a list split by a blank line
   * may join up again).
   */
  private paintStreaming(text: string): void {
    if (this.content.firstChild !== this.frozen) this.content.replaceChildren(this.frozen, this.live);
    if (text.length < this.frozenLength) {
      this.frozenLength = 0; // the text was replaced (a preview gave way to content)
      this.frozen.replaceChildren();
    }
    const boundary = safeBoundary(text, this.frozenLength);
    if (boundary > this.frozenLength) {
      const block = h("div");
      block.innerHTML = renderMarkdown(text.slice(this.frozenLength, boundary));
      decorateCode(block, false);
      this.frozen.append(block);
      this.frozenLength = boundary;
    }
    this.live.innerHTML = renderMarkdown(text.slice(this.frozenLength));
  }

  private renderActions(isLast: boolean): void {
    const buttons: HTMLButtonElement[] = [];
    const { msg, handlers } = this;
    if (this.state === "streaming") {
      this.actions.replaceChildren();
      return;
    }
    buttons.push(h("button", { type: "button", class: "copy", onclick: () => {
      void copyText(messageText(msg)).then((ok) => toast(ok ? "Message copied" : "Copy failed"));
    } }, "Copy"));
    if (handlers && msg.role === "assistant") {
      const play = h("button", { type: "button", class: "play", "aria-label": "Read aloud" }, "Play");
      play.addEventListener("click", () => handlers.play(msg, play));
      buttons.push(play);
      if (isLast) {
        const failed = msg.notices?.some((n) => n.kind === "error" || n.kind === "auth");
        buttons.push(h("button", { type: "button", class: failed ? "retry" : "regenerate",
          onclick: () => handlers.regenerate() }, failed ? "Retry" : "Regenerate"));
        if (canContinue(msg)) {
          buttons.push(h("button", { type: "button", class: "continue", onclick: () => handlers.continueAnswer() },
            "Continue"));
        }
      }
    }
    this.actions.replaceChildren(...buttons);
  }
}
