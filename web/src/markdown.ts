// Model output and shared chats are untrusted: markdown-it with raw HTML off, then DOMPurify
// as a second wall, so no script, event handler, `javascript:` link or iframe ever runs.

import DOMPurify from "dompurify";
import MarkdownIt from "markdown-it";

const md = new MarkdownIt({ html: false, linkify: true, breaks: false });

const FORBID_TAGS = ["script", "style", "iframe", "frame", "object", "embed", "form", "input", "button",
  "textarea", "select", "link", "meta", "base", "svg", "math"];

let hooked = false;
function hook(): void {
  if (hooked) return;
  hooked = true;
  DOMPurify.addHook("afterSanitizeAttributes", (node) => {
    if (node.tagName === "A") {
      node.setAttribute("target", "_blank");
      node.setAttribute("rel", "noopener noreferrer nofollow");
    }
  });
}

/** Cleans HTML for insertion with innerHTML. */
export function sanitize(html: string): string {
  hook();
  return DOMPurify.sanitize(html, {
    FORBID_TAGS,
    FORBID_ATTR: ["style", "srcdoc", "formaction"],
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
