// Attaching files to the next message: button, drag and drop, paste. Each file shows its state
// (uploading with progress, processing, ready, or its error); the message then references the
// bucket as the contract says: {"bucket_id"} for documents, {"bucket_id","url","name"} for media.

import { API, call } from "../api";
import { h, uuid } from "../dom";
import type { Attachment, Part } from "../types";
import { PRESIGN_ABOVE, uploadLarge, uploadSmall, waitUntilReady } from "./upload";

type State = "uploading" | "processing" | "ready" | "error";

interface Pending {
  file: File;
  bucket: string;
  state: State;
  parts: Part[];
  names: Attachment[];
  el: HTMLLIElement;
}

export interface Attachments {
  ready(): boolean;
  take(): { parts: Part[]; attachments: Attachment[] };
}

function setState(p: Pending, state: State, detail = ""): void {
  p.state = state;
  p.el.className = `attachment ${state}`;
  p.el.dataset.state = state;
  const label = { uploading: "Uploading", processing: "Processing", ready: "Ready", error: "Error" }[state];
  const status = p.el.querySelector(".state");
  if (status) status.textContent = detail ? `${label}: ${detail}` : label;
}

export function setupAttachments(composer: HTMLFormElement, report: (t: string) => void): Attachments {
  const list = composer.querySelector<HTMLUListElement>("#attachments")!;
  const input = composer.querySelector<HTMLInputElement>("#file-input")!;
  let pending: Pending[] = [];

  const add = (file: File): void => {
    const bucket = uuid();
    const remove = h("button", { type: "button", class: "icon", "aria-label": `Remove ${file.name}` }, "✕");
    const progress = h("progress", { max: 1, value: 0, "aria-label": `${file.name} upload progress` });
    const el = h("li", { class: "attachment" }, h("span", { class: "name" }, file.name),
      h("span", { class: "state" }), progress, remove);
    if (file.type.startsWith("image/")) {
      const img = h("img", { alt: "", class: "thumb", src: URL.createObjectURL(file) });
      el.prepend(img);
    }
    const p: Pending = { file, bucket, state: "uploading", parts: [], names: [], el };
    remove.addEventListener("click", () => {
      pending = pending.filter((x) => x !== p);
      el.remove();
      void call(`${API}/files/${bucket}`, { method: "DELETE" }).catch(() => undefined);
    });
    pending.push(p);
    list.append(el);
    setState(p, "uploading");
    void (async () => {
      try {
        const upload = file.size > PRESIGN_ABOVE ? uploadLarge : uploadSmall;
        const result = await upload(bucket, file, (f) => { progress.value = f; });
        progress.value = 1;
        if (!result.files.length && !result.media.length) {
          const reason = result.skipped[0]?.reason ?? "this file type is not supported";
          throw new Error(reason);
        }
        if (result.files.length) {
          setState(p, "processing");
          await waitUntilReady(bucket, (bytes) => setState(p, "processing", `${Math.round(bytes / 1024)} KB read`));
          p.parts.push({ bucket_id: bucket });
        }
        for (const name of result.media) {
          p.parts.push({ bucket_id: bucket, url: `/files/${bucket}/media/${encodeURIComponent(name)}`, name });
        }
        p.names = [...result.files, ...result.media].map((name) => ({ bucket_id: bucket, name }));
        progress.remove();
        setState(p, "ready");
      } catch (err) {
        progress.remove();
        setState(p, "error", err instanceof Error ? err.message : String(err));
        report(`${file.name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    })();
  };

  composer.querySelector("#attach")!.addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    for (const file of input.files ?? []) add(file);
    input.value = "";
  });
  composer.addEventListener("dragover", (e) => { e.preventDefault(); composer.classList.add("dropping"); });
  composer.addEventListener("dragleave", () => composer.classList.remove("dropping"));
  composer.addEventListener("drop", (e) => {
    e.preventDefault();
    composer.classList.remove("dropping");
    for (const file of e.dataTransfer?.files ?? []) add(file);
  });
  composer.addEventListener("paste", (e) => {
    const files = [...(e.clipboardData?.files ?? [])];
    if (files.length) {
      e.preventDefault();
      files.forEach(add);
    }
  });

  return {
    ready: () => pending.every((p) => p.state === "ready" || p.state === "error"),
    take: () => {
      const usable = pending.filter((p) => p.state === "ready");
      const out = { parts: usable.flatMap((p) => p.parts), attachments: usable.flatMap((p) => p.names) };
      pending = [];
      list.replaceChildren();
      return out;
    },
  };
}
