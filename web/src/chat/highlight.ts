// highlight.js is big; it is loaded only once a finished answer holds code.

import hljs from "highlight.js/lib/common";

export function highlightWithin(root: HTMLElement): void {
  for (const code of root.querySelectorAll<HTMLElement>("pre code")) {
    if (code.dataset.highlighted) continue;
    hljs.highlightElement(code);
  }
}
