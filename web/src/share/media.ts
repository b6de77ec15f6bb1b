// In a shared chat, bucket media (/files/<bucket>/media/<name>) load through the share: the server
// serves them to anyone while the share lives and names them (contract: media a share points to
// is public), so `?share=<id>` is added to every such link and source. Only URLs that are exactly
// that route (../urls) are rewritten, to their canonical path.

import { mediaRoute } from "../urls";

const ATTRIBUTES = ["src", "href"] as const;

export function throughShare(root: ParentNode, shareId: string): void {
  for (const el of root.querySelectorAll<HTMLElement>("[src], [href]")) {
    for (const attr of ATTRIBUTES) {
      const value = el.getAttribute(attr);
      const route = value === null ? null : mediaRoute(value);
      if (route?.kind === "bucket" && route.share === null) {
        el.setAttribute(attr, `${route.path}?share=${encodeURIComponent(shareId)}`);
      }
    }
  }
}
