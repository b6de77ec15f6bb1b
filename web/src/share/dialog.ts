// The share dialog: choose an expiry, create, then link + QR + copy + revoke.

import type { ChatController } from "../chat/controller";
import { copyText, h, toast } from "../dom";
import { createShare, EXPIRY_CHOICES, revokeShare, shareUrl } from "./owner";
import { qrCanvas } from "./qr";

function expiryText(at: number | null): string {
  return at === null ? "Never expires" : `Expires ${new Date(at * 1000).toLocaleString()}`;
}

export function openShareDialog(chat: ChatController): void {
  document.getElementById("share-dialog")?.remove();
  const dialog = h("dialog", { id: "share-dialog", "aria-labelledby": "share-title" });
  const body = h("div", { class: "share-body" });
  const close = h("button", { type: "button", onclick: () => dialog.close() }, "Close");
  dialog.append(h("h2", { id: "share-title" }, "Share this chat"), body, h("div", { class: "row end" }, close));
  dialog.addEventListener("close", () => dialog.remove());

  const draw = (): void => {
    const conv = chat.conv;
    if (!conv.items.length) {
      body.replaceChildren(h("p", {}, "Write something first: an empty chat has nothing to share."));
      return;
    }
    if (!conv.share) {
      const expiry = h("select", { id: "share-expiry" },
        ...EXPIRY_CHOICES.map(([v, t]) => h("option", { value: v, selected: v === "2592000" }, t)));
      const create = h("button", { type: "button", id: "create-share", class: "primary" }, "Create link");
      create.addEventListener("click", () => {
        create.disabled = true;
        void createShare(conv, expiry.value).then(draw).catch((err: unknown) => {
          create.disabled = false;
          toast(`Share failed: ${err instanceof Error ? err.message : String(err)}`);
        });
      });
      body.replaceChildren(
        h("p", {}, "Anyone with the link can read this chat. It updates as the chat goes on."),
        h("label", {}, "Link expires after ", expiry), h("div", { class: "row" }, create));
      return;
    }
    const url = shareUrl(conv);
    const link = h("input", { id: "share-url", type: "text", readonly: true, value: url, "aria-label": "Share link" });
    const copy = h("button", { type: "button", id: "copy-share" }, "Copy link");
    copy.addEventListener("click", () => void copyText(url).then((ok) => toast(ok ? "Link copied" : "Copy failed")));
    const revoke = h("button", { type: "button", id: "revoke-share", class: "danger" }, "Revoke");
    revoke.addEventListener("click", () => {
      void revokeShare(conv).then(() => { toast("Share revoked"); draw(); })
        .catch((err: unknown) => toast(`Revoke failed: ${err instanceof Error ? err.message : String(err)}`));
    });
    body.replaceChildren(
      h("div", { class: "row" }, link, copy), qrCanvas(url, 240),
      h("p", { class: "muted" }, expiryText(conv.share.expires_at), ". Updates as the chat goes on."),
      h("div", { class: "row" }, h("a", { href: `/qrcode/${conv.id}`, target: "_blank" }, "Open QR page"), revoke));
  };
  draw();
  document.body.append(dialog);
  dialog.showModal();
}
