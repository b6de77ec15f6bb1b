// In keys mode an <img src="/files/…"> cannot send the access key, so the caller's own bucket media
// in messages are fetched with it and shown from an object URL (one fetch per URL per page load).
// Messages are untrusted (model output, copied shares): the key goes only to a URL that is exactly
// the bucket media route (see ../urls), fetched at its canonical path; everything else keeps its
// plain src and loads, if at all, without credentials.

import { headers } from "../api";
import { settings } from "../settings";
import { mediaRoute } from "../urls";

const MARK = "data-own-src";
const loaded = new Map<string, Promise<string>>();

function objectUrl(path: string): Promise<string> {
  let pending = loaded.get(path);
  if (!pending) {
    pending = fetch(path, { headers: headers() }).then(async (response) => {
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return URL.createObjectURL(await response.blob());
    });
    loaded.set(path, pending);
    pending.catch(() => loaded.delete(path)); // a later render may try again
  }
  return pending;
}

export function withAccessKey(root: ParentNode): void {
  if (!settings().accessKey.trim()) return; // open mode: the plain URL works
  for (const el of root.querySelectorAll<HTMLElement>("img[src], audio[src], video[src], source[src]")) {
    const url = el.getAttribute("src") ?? "";
    const route = mediaRoute(url);
    // Media shown through a share (?share=) and generated media are public: no key needed.
    if (route?.kind !== "bucket" || route.share !== null) continue;
    el.setAttribute(MARK, url);
    el.removeAttribute("src");
    void objectUrl(route.path).then(
      (local) => { if (el.getAttribute(MARK) === url) el.setAttribute("src", local); },
      () => el.setAttribute("title", "This file could not be loaded"),
    );
  }
}
