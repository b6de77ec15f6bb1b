// /qrcode/<conversation_id>: the share link of one of my chats as a big QR code.

import { h } from "../dom";
import { getConversation } from "../store";
import { createShare, shareUrl } from "./owner";
import { qrCanvas } from "./qr";

export async function showQrPage(root: HTMLElement, conversationId: string): Promise<void> {
  const conv = await getConversation(conversationId);
  const box = h("section", { class: "qr-page" });
  root.replaceChildren(h("h1", {}, "Share by QR code"), box, h("p", {}, h("a", { href: "/" }, "Back to my chats")));
  if (!conv) {
    box.append(h("p", { role: "alert" }, "This chat is not in this browser."));
    return;
  }
  const draw = (): void => {
    const url = shareUrl(conv);
    box.replaceChildren(h("p", {}, conv.title), qrCanvas(url, 400), h("p", { id: "share-url", class: "url" }, url));
  };
  if (conv.share) {
    draw();
    return;
  }
  const create = h("button", { type: "button", id: "create-share", class: "primary" }, "Create share link");
  create.addEventListener("click", () => {
    create.disabled = true;
    void createShare(conv, "2592000").then(draw);
  });
  box.append(h("p", {}, "This chat is not shared yet."), create);
}
