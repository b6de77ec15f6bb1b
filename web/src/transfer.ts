// Export and import of every conversation as JSON. Import also reads a g4f V1 export: its
// localStorage dump, where each `conversation:<id>` key holds a conversation (as a JSON string).

import { allConversations, saveConversation } from "./store";
import type { Conversation, Message } from "./types";

export const FORMAT = "lambdachat.conversations";

export async function exportAll(): Promise<string> {
  const conversations = await allConversations();
  return JSON.stringify({ format: FORMAT, version: 1, exported: Date.now(), conversations }, null, 1);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function normalise(raw: unknown): Conversation | null {
  let value = raw;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      return null;
    }
  }
  if (!isRecord(value) || typeof value.id !== "string" || !Array.isArray(value.items)) return null;
  const items = (value.items as unknown[]).filter((m): m is Message =>
    isRecord(m) && ["user", "assistant", "system"].includes(String(m.role))
    && (typeof m.content === "string" || Array.isArray(m.content)));
  const now = Date.now();
  return {
    ...(value as unknown as Conversation),
    title: typeof value.title === "string" && value.title ? value.title : "Imported chat",
    added: typeof value.added === "number" ? value.added : now,
    updated: typeof value.updated === "number" ? value.updated : now,
    items,
  };
}

/** Conversations found in an export file (ours or g4f V1's), malformed entries skipped. */
export function parseExport(text: string): Conversation[] {
  const data = JSON.parse(text) as unknown;
  let candidates: unknown[] = [];
  if (Array.isArray(data)) candidates = data;
  else if (isRecord(data) && Array.isArray(data.conversations)) candidates = data.conversations;
  else if (isRecord(data)) {
    candidates = Object.entries(data).filter(([k]) => k.startsWith("conversation:")).map(([, v]) => v);
    if (!candidates.length && normalise(data)) candidates = [data];
  }
  return candidates.map(normalise).filter((c): c is Conversation => c !== null);
}

export async function importText(text: string): Promise<number> {
  const conversations = parseExport(text);
  for (const conv of conversations) await saveConversation(conv);
  return conversations.length;
}
