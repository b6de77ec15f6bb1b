// In keys mode an <img src="/files/…"> cannot send the access key, so the caller's own bucket media
// in messages are fetched with it and shown from an object URL (one fetch per URL per page load).

import { headers } from "../api";
import { settings } from "../settings";

const MARK = "data-own-src";
const loaded = new Map<string, Promise<string>>();

function objectUrl(url: string): Promise<string> {
  let pending = loaded.get(url);
  if (!pending) {
    pending = fetch(url, { headers: headers() }).then(async (response) => {
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return URL.createObjectURL(await response.blob());
    });
    loaded.set(url, pending);
    pending.catch(() => loaded.delete(url)); // a later render may try again
  }
  return pending;
}

export function withAccessKey(root: ParentNode): void {
  if (!settings().accessKey.trim()) return; // open mode: the plain URL works
  for (const el of root.querySelectorAll<HTMLElement>('img[src^="/files/"], audio[src^="/files/"], video[src^="/files/"], source[src^="/files/"]')) {
    const url = el.getAttribute("src") ?? "";
    el.setAttribute(MARK, url);
    el.removeAttribute("src");
    void objectUrl(url).then(
      (local) => { if (el.getAttribute(MARK) === url) el.setAttribute("src", local); },
      () => el.setAttribute("title", "This file could not be loaded"),
    );
  }
}
