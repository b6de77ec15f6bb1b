// Model output and shared chats are untrusted: markdown-it with raw HTML off, then DOMPurify
// as a second wall, so no script, event handler, `javascript:` link or iframe ever runs.
// Nor may it make the browser call our own API: an image or media source of this origin is kept
// only when it is a media route (./urls), so `![x](/backend-api/v2/create?prompt=…)` or
// `/files/../backend-api/…` loads nothing (in open mode such a GET needs no key at all).

import DOMPurify from "dompurify";
import MarkdownIt from "markdown-it";
import { isSameOrigin, mediaRoute } from "./urls";

const md = new MarkdownIt({ html: false, linkify: true, breaks: false });

const FORBID_TAGS = ["script", "style", "iframe", "frame", "object", "embed", "form", "input", "button",
  "textarea", "select", "link", "meta", "base", "svg", "math"];
const LOADING_TAGS = new Set(["IMG", "AUDIO", "VIDEO", "SOURCE", "TRACK"]);
const LOADING_ATTRS = ["src", "poster"];

let hooked = false;
function hook(): void {
  if (hooked) return;
  hooked = true;
  DOMPurify.addHook("afterSanitizeAttributes", (node) => {
    if (node.tagName === "A") {
      node.setAttribute("target", "_blank");
      node.setAttribute("rel", "noopener noreferrer nofollow");
    }
    if (LOADING_TAGS.has(node.tagName)) {
      for (const attr of LOADING_ATTRS) {
        const value = node.getAttribute(attr);
        if (value !== null && isSameOrigin(value) && !mediaRoute(value)) node.removeAttribute(attr);
      }
    }
  });
}

/** Cleans HTML for insertion with innerHTML. */
export function sanitize(html: string): string {
  hook();
  return DOMPurify.sanitize(html, {
    FORBID_TAGS,
    // srcset and background load URLs too; nothing we render needs them.
    FORBID_ATTR: ["style", "srcdoc", "formaction", "srcset", "background"],
    ALLOW_DATA_ATTR: false,
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|\/(?!\/)|#|\.{0,2}\/|[^:/?#]*(?:[/?#]|$))/i,
  });
}

/** Markdown to safe HTML. */
export function renderMarkdown(text: string): string {
  // g4f wraps generated images in comment markers; they are noise once rendered.
  const cleaned = text.replace(/<!-- generated images (?:start|end) -->/g, "");
  return sanitize(md.render(cleaned));
}
