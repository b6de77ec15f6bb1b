// Demo mode (LAMBDACHAT_DEMO=on): the server marks every /models entry `"demo": true`, as g4f does,
// and the page says plainly that it is a shared public demo.

export const DEMO_TEXT =
  "Public demo: answers come from a few shared models, every visitor is rate-limited, and provider keys " +
  "cannot be uploaded. Do not type anything private.";

export function isDemo(models: readonly { demo?: unknown }[]): boolean {
  return models.some((m) => m.demo === true);
}

/** Shows (or removes) the demo banner at the top of `chat`, right under its toolbar. */
export function showDemoBanner(chat: HTMLElement, demo: boolean): void {
  const existing = chat.querySelector("#demo-banner");
  if (!demo) {
    existing?.remove();
    return;
  }
  if (existing) return;
  const banner = document.createElement("p");
  banner.id = "demo-banner";
  banner.className = "demo-banner";
  banner.setAttribute("role", "note");
  banner.textContent = DEMO_TEXT;
  const toolbar = chat.querySelector(".toolbar");
  if (toolbar) toolbar.after(banner);
  else chat.prepend(banner);
}
