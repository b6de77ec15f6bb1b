// In a shared chat, bucket media (/files/<bucket>/media/<name>) load through the share: the server
// serves them to anyone while the share lives and names them (contract: media a share points to
// is public), so `?share=<id>` is added to every such link and source.

const ATTRIBUTES = ["src", "href"] as const;

export function throughShare(root: ParentNode, shareId: string): void {
  for (const el of root.querySelectorAll<HTMLElement>('[src^="/files/"], [href^="/files/"]')) {
    for (const attr of ATTRIBUTES) {
      const value = el.getAttribute(attr);
      if (value?.startsWith("/files/") && !/[?&]share=/.test(value)) {
        el.setAttribute(attr, `${value}${value.includes("?") ? "&" : "?"}share=${encodeURIComponent(shareId)}`);
      }
    }
  }
}
