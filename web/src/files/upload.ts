// Uploads to a bucket: multipart with progress for small files, the presigned flow for large
// ones (the cloud's request limit is 5 MB), then waits for the text extraction to finish.

import { API, apiPath, call, errorMessage, headers } from "../api";
import { EventDecoder } from "../stream";

/** Files above this go straight to storage through a presigned POST. */
export const PRESIGN_ABOVE = 4 * 1024 * 1024;

export interface UploadResult {
  files: string[];
  media: string[];
  skipped: { name?: string; filename?: string; reason?: string }[];
}

function xhrPost(url: string, form: FormData, extra: Record<string, string>,
  progress: (fraction: number) => void): Promise<XMLHttpRequest> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    for (const [k, v] of Object.entries(extra)) xhr.setRequestHeader(k, v);
    xhr.upload.addEventListener("progress", (e) => { if (e.lengthComputable) progress(e.loaded / e.total); });
    xhr.addEventListener("load", () => resolve(xhr));
    xhr.addEventListener("error", () => reject(new Error("Network error during upload")));
    xhr.send(form);
  });
}

function xhrError(xhr: XMLHttpRequest): string {
  try {
    const body = JSON.parse(xhr.responseText) as { error?: { message?: string } };
    return body.error?.message ?? `HTTP ${xhr.status}`;
  } catch {
    return `HTTP ${xhr.status}`;
  }
}

export async function uploadSmall(bucket: string, file: File, progress: (f: number) => void): Promise<UploadResult> {
  const form = new FormData();
  form.append("files", file, file.name);
  const xhr = await xhrPost(apiPath(`${API}/files/${bucket}`), form, headers(), progress);
  if (xhr.status >= 400) throw new Error(xhrError(xhr));
  return JSON.parse(xhr.responseText) as UploadResult;
}

interface Presigned {
  name: string;
  kind: "document" | "media";
  upload: { url: string; fields: Record<string, string> };
}

export async function uploadLarge(bucket: string, file: File, progress: (f: number) => void): Promise<UploadResult> {
  const response = await call(`${API}/files/${bucket}/uploads`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ filename: file.name, size: file.size }),
  });
  const presigned = (await response.json()) as Presigned;
  const form = new FormData();
  for (const [k, v] of Object.entries(presigned.upload.fields)) form.append(k, v);
  form.append("file", file);
  try {
    await xhrPost(presigned.upload.url, form, {}, progress);
  } catch {
    // Storage may answer without CORS headers, which hides a success: `complete` checks the bytes.
  }
  await call(`${API}/files/${bucket}/uploads/${encodeURIComponent(presigned.name)}/complete`, { method: "POST" });
  return presigned.kind === "media"
    ? { files: [], media: [presigned.name], skipped: [] }
    : { files: [presigned.name], skipped: [], media: [] };
}

/** Follows extraction (SSE progress frames) until done; resolves with the text size. */
export async function waitUntilReady(bucket: string, onLoad: (bytes: number) => void): Promise<number> {
  const response = await fetch(apiPath(`${API}/files/${bucket}`), { headers: headers("", { accept: "text/event-stream" }) });
  if (!response.ok || !response.body) throw new Error(await errorMessage(response));
  const decoder = new EventDecoder("sse");
  const reader = response.body.getReader();
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    const events = done ? decoder.end() : decoder.push(value);
    for (const event of events) {
      const err = event.error as { message?: string } | string | undefined;
      if (err) throw new Error(typeof err === "string" ? String(event.message ?? err) : err.message ?? "Processing failed");
      if (typeof event.size === "number") size = event.size;
      if (event.action === "load") onLoad(size);
      if (event.action === "done") return size;
    }
    if (done) return size;
  }
}
