// Entry: picks the screen from the path (chat, shared view, QR page, memory, usage) and wires
// the chat screen. Pages other than the chat load as separate chunks.

import "./style.css";
import { ChatController } from "./chat/controller";
import { setupWebSearch } from "./chat/webSearch";
import { showDemoBanner } from "./demo";
import { $ } from "./dom";
import { setupAttachments } from "./files/attach";
import { ModelPicker } from "./models";
import { applyTheme, settings } from "./settings";
import { setupSettings } from "./settingsView";
import { Sidebar } from "./sidebar";
import { getConversation } from "./store";
import type { Conversation } from "./types";

const LAST = "lambdachat:last";

applyTheme();
matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => applyTheme());

function status(text: string): void {
  $("#status").textContent = text;
}

async function startChat(): Promise<void> {
  const prompt = $<HTMLTextAreaElement>("#prompt");
  const send = $<HTMLButtonElement>("#send");
  const stop = $<HTMLButtonElement>("#stop");
  const messages = $("#messages");
  const app = $("#app");
  const picker = new ModelPicker($("#provider"), $("#model"), status);
  const afterSave: ((conv: Conversation) => void)[] = [];
  const webSearch = setupWebSearch($<HTMLButtonElement>("#web-search"));

  const chat: ChatController = new ChatController(messages, {
    choice: () => picker.choice(),
    webSearch,
    saved: (conv) => {
      localStorage.setItem(LAST, conv.id);
      void sidebar.refresh();
      for (const hook of afterSave) hook(conv);
    },
    busy: (running) => {
      send.disabled = running;
      stop.disabled = !running;
      messages.setAttribute("aria-busy", String(running));
    },
    titleChanged: () => void sidebar.refresh(),
  });
  const sidebar: Sidebar = new Sidebar($("#conversations"), $("#search"), {
    open: (id) => {
      void chat.open(id).then(() => {
        localStorage.setItem(LAST, id);
        showSidebar(false);
        void sidebar.refresh();
      });
    },
    deleted: (id) => { if (id === chat.conv.id) chat.newChat(); },
    renamed: (id, title) => { if (id === chat.conv.id) chat.conv.title = title; },
    currentId: () => chat.conv.id,
  });

  const composer = $<HTMLFormElement>("#composer");
  const files = setupAttachments(composer, status);
  const submit = (): void => {
    const text = prompt.value.trim();
    if (!text || chat.running) return;
    if (!files.ready()) {
      status("Wait until the attached files are ready.");
      return;
    }
    const { parts, attachments } = files.take();
    prompt.value = "";
    void chat.send(text, parts, attachments);
  };
  composer.addEventListener("submit", (e) => {
    e.preventDefault();
    submit();
  });
  prompt.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      submit();
    }
  });
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape" || document.querySelector("dialog[open]")) return;
    if (chat.running) {
      e.preventDefault();
      chat.stop();
    } else if (app.classList.contains("sidebar-open")) showSidebar(false);
  });
  stop.addEventListener("click", () => chat.stop());
  $("#new-chat").addEventListener("click", () => {
    chat.newChat();
    showSidebar(false);
    void sidebar.refresh();
    prompt.focus();
  });
  const toggle = $("#toggle-sidebar");
  const showSidebar = (open: boolean): void => {
    app.classList.toggle("sidebar-open", open);
    toggle.setAttribute("aria-expanded", String(open));
    if (open) $("#search").focus();
  };
  toggle.addEventListener("click", () => showSidebar(!app.classList.contains("sidebar-open")));
  $("#close-sidebar").addEventListener("click", () => {
    showSidebar(false);
    toggle.focus();
  });
  // The backdrop is the app's ::after: a tap outside the open sidebar closes it.
  app.addEventListener("click", (e) => {
    if (app.classList.contains("sidebar-open") && e.target === app) showSidebar(false);
  });

  const openSettings = setupSettings($<HTMLDialogElement>("#settings"), {
    providers: () => picker.providers,
    keysChanged: () => void picker.fillModels(settings().model),
    imported: () => void sidebar.refresh(),
  });
  $("#open-settings").addEventListener("click", openSettings);

  $("#share").addEventListener("click", () => {
    void import("./share/dialog").then((m) => m.openShareDialog(chat));
  });
  afterSave.push((conv) => {
    if (conv.share) void import("./share/owner").then((m) => m.updateShare(conv));
  });

  // Everything above is wired before the first await, so a prompt typed at once is never lost;
  // the last chat opens only if nothing was sent meanwhile.
  const last = localStorage.getItem(LAST);
  const loaded = last ? await getConversation(last) : undefined;
  if (loaded && !chat.conv.items.length) chat.show(loaded);
  await Promise.all([sidebar.refresh(), picker.load()]);
  showDemoBanner($("#chat"), picker.demo);
  document.body.dataset.ready = "true";
}

async function route(): Promise<void> {
  const path = location.pathname;
  const shared = /^\/chat\/([^/]+)\/([^/]+)\/?$/.exec(path);
  const qr = /^\/qrcode\/([^/]+)\/?$/.exec(path);
  const page = $("#page");
  if (shared || qr || path === "/memory" || path === "/usage") {
    $("#app").remove(); // its ids (#messages) belong to the page now
    page.hidden = false;
    if (shared) (await import("./share/view")).showShared(page, decodeURIComponent(shared[1]), decodeURIComponent(shared[2]));
    else if (qr) (await import("./share/qrpage")).showQrPage(page, decodeURIComponent(qr[1]));
    else if (path === "/memory") (await import("./pages/memory")).showMemory(page);
    else (await import("./pages/usage")).showUsage(page);
    return;
  }
  await startChat();
}

void route();
