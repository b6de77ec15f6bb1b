// The message list. A long conversation opens with only its last messages drawn; earlier ones
// are drawn in batches as the reader scrolls up, so opening 1,000 messages costs the same as 40.

import { h } from "../dom";
import type { Message } from "../types";
import { MessageView, type MessageActions, type MessageState } from "./render";

const BATCH = 40;

export class MessageList {
  private views: MessageView[] = [];
  private items: Message[] = [];
  private firstDrawn = 0;
  private readonly sentinel = h("div", { class: "earlier", "aria-hidden": "true" });
  private readonly observer: IntersectionObserver;

  constructor(readonly root: HTMLElement, private readonly handlers: MessageActions | null) {
    this.observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) this.drawEarlier();
    }, { root });
  }

  show(items: Message[]): void {
    performance.mark("lambdachat:show-start");
    this.items = items;
    this.views = [];
    this.firstDrawn = Math.max(0, items.length - BATCH);
    const fragment = document.createDocumentFragment();
    for (let i = this.firstDrawn; i < items.length; i++) fragment.append(this.view(items[i], i).el);
    this.root.replaceChildren(fragment);
    this.refreshTail();
    this.observer.disconnect();
    if (this.firstDrawn > 0) {
      this.root.prepend(this.sentinel);
      this.observer.observe(this.sentinel);
    }
    this.scrollToEnd();
    // bench/spa_perf.py reads this measure (DOM built and laid out to the end of the list).
    performance.measure("lambdachat:show", "lambdachat:show-start");
  }

  private view(msg: Message, index: number, state: MessageState = "finished"): MessageView {
    const view = new MessageView(msg, this.handlers, state);
    view.el.dataset.index = String(index);
    this.views.push(view);
    return view;
  }

  private drawEarlier(): void {
    if (this.firstDrawn === 0) return;
    const start = Math.max(0, this.firstDrawn - BATCH);
    const fragment = document.createDocumentFragment();
    const drawn: MessageView[] = [];
    for (let i = start; i < this.firstDrawn; i++) {
      const view = new MessageView(this.items[i], this.handlers);
      view.el.dataset.index = String(i);
      drawn.push(view);
      fragment.append(view.el);
    }
    // Keep what the reader looks at in place while content is added above it.
    const before = this.root.scrollHeight;
    this.sentinel.after(fragment);
    this.root.scrollTop += this.root.scrollHeight - before;
    this.views = [...drawn, ...this.views];
    this.firstDrawn = start;
    if (start === 0) {
      this.observer.disconnect();
      this.sentinel.remove();
    }
  }

  /** Adds a message drawn at the end (items must already hold it). */
  append(msg: Message, state: MessageState = "finished"): MessageView {
    const view = this.view(msg, this.items.indexOf(msg), state);
    view.follow = { atEnd: () => this.isNearEnd(), toEnd: () => this.scrollToEnd() };
    this.root.append(view.el);
    this.refreshTail();
    this.scrollToEnd();
    return view;
  }

  /** Removes the last drawn message (regenerate replaces it). */
  dropLast(): void {
    const view = this.views.pop();
    view?.el.remove();
    this.refreshTail();
  }

  last(): MessageView | undefined {
    return this.views[this.views.length - 1];
  }

  /** Only the last answer offers regenerate/continue. */
  refreshTail(): void {
    const n = this.views.length;
    for (let i = Math.max(0, n - 3); i < n; i++) this.views[i].refresh(i === n - 1);
  }

  isNearEnd(): boolean {
    return this.root.scrollHeight - this.root.scrollTop - this.root.clientHeight < 80;
  }

  scrollToEnd(): void {
    this.root.scrollTop = this.root.scrollHeight;
  }
}
