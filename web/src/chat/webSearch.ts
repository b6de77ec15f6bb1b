// The composer's web search toggle: when it is on, each message is sent with `web_search: true`
// and the server puts what it finds into the prompt; the answer ends with the numbered sources,
// which the markdown renderer shows as links. The choice is kept in this browser.

import { settings, updateSettings } from "../settings";

function show(button: HTMLButtonElement, on: boolean): void {
  button.setAttribute("aria-pressed", String(on));
  button.title = on ? "Web search is on: answers use what a search finds" : "Search the web for each message";
}

/** Wires the toggle; the returned function tells whether the next message searches the web. */
export function setupWebSearch(button: HTMLButtonElement): () => boolean {
  show(button, settings().webSearch);
  button.addEventListener("click", () => show(button, updateSettings({ webSearch: !settings().webSearch }).webSearch));
  return () => settings().webSearch;
}
