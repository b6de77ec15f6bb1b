// The owner's side of a share: create (owner token returned once, kept with the conversation),
// update as the chat goes on (x-share-token), revoke.

import { API, call } from "../api";
import { uuid } from "../dom";
import { saveConversation } from "../store";
import type { Conversation } from "../types";

export const EXPIRY_CHOICES: [string, string][] = [
  ["86400", "1 day"], ["604800", "7 days"], ["2592000", "30 days"], ["never", "Never"],
];

export function shareUrl(conv: Conversation): string {
  return conv.share ? `${location.origin}/chat/${conv.share.id}/${conv.id}` : "";
}

/** What others see: the V1 conversation shape, without the owner token or provider state. */
export function shareBody(conv: Conversation): string {
  const { id, title, added, updated, items } = conv;
  return JSON.stringify({ id, title, added, updated, items });
}

export async function createShare(conv: Conversation, expires: string): Promise<void> {
  const id = uuid();
  const response = await call(`${API}/chat/${id}?expires=${encodeURIComponent(expires)}`, {
    method: "POST", body: shareBody(conv), headers: { "content-type": "application/json" },
  });
  const body = (await response.json()) as { share_id: string; owner_token: string; expires_at: number | null };
  conv.share = { id: body.share_id, token: body.owner_token, expires_at: body.expires_at };
  await saveConversation(conv);
}

const timers = new Map<string, number>();

/** Pushes the conversation to its share, coalescing bursts of saves into one request. */
export function updateShare(conv: Conversation): Promise<void> {
  const share = conv.share;
  if (!share) return Promise.resolve();
  window.clearTimeout(timers.get(conv.id));
  return new Promise((resolve) => {
    timers.set(conv.id, window.setTimeout(() => {
      timers.delete(conv.id);
      void call(`${API}/chat/${encodeURIComponent(share.id)}`, {
        method: "POST", body: shareBody(conv),
        headers: { "content-type": "application/json", "x-share-token": share.token },
      }).catch(() => undefined).then(() => resolve());
    }, 300));
  });
}

export async function revokeShare(conv: Conversation): Promise<void> {
  const share = conv.share;
  if (!share) return;
  try {
    await call(`${API}/chat/${encodeURIComponent(share.id)}`, { method: "DELETE", headers: { "x-share-token": share.token } });
  } catch (err) {
    // Already gone (expired or revoked elsewhere) is what the owner wanted anyway.
    if (!(err instanceof Error && "status" in err && (err as { status: number }).status === 404)) throw err;
  }
  delete conv.share;
  await saveConversation(conv);
}
