// Conversations in IndexedDB. A second store keeps only id/title/updated so the sidebar
// never loads whole conversations (a 1,000-message chat stays out of the list query).

import { uuid } from "./dom";
import type { Conversation, ConversationSummary } from "./types";

const DB_NAME = "lambdachat";
const FULL = "conversations";
const INDEX = "summaries";

let opened: Promise<IDBDatabase> | null = null;

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error("transaction aborted"));
  });
}

function db(): Promise<IDBDatabase> {
  opened ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => {
      req.result.createObjectStore(FULL, { keyPath: "id" });
      req.result.createObjectStore(INDEX, { keyPath: "id" });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  return opened;
}

/** Forgets the open connection (tests delete the database between cases). */
export function closeStore(): void {
  void opened?.then((d) => d.close());
  opened = null;
}

export function summary(conv: Conversation): ConversationSummary {
  return { id: conv.id, title: conv.title, updated: conv.updated };
}

/** Newest first; `search` matches titles, case-insensitively. */
export async function listConversations(search = ""): Promise<ConversationSummary[]> {
  const tx = (await db()).transaction(INDEX, "readonly");
  const all = await request(tx.objectStore(INDEX).getAll() as IDBRequest<ConversationSummary[]>);
  const needle = search.trim().toLowerCase();
  return all
    .filter((c) => !needle || c.title.toLowerCase().includes(needle))
    .sort((a, b) => b.updated - a.updated);
}

export async function getConversation(id: string): Promise<Conversation | undefined> {
  const tx = (await db()).transaction(FULL, "readonly");
  return request(tx.objectStore(FULL).get(id) as IDBRequest<Conversation | undefined>);
}

export async function saveConversation(conv: Conversation): Promise<void> {
  const tx = (await db()).transaction([FULL, INDEX], "readwrite");
  tx.objectStore(FULL).put(conv);
  tx.objectStore(INDEX).put(summary(conv));
  await done(tx);
}

export async function deleteConversation(id: string): Promise<void> {
  const tx = (await db()).transaction([FULL, INDEX], "readwrite");
  tx.objectStore(FULL).delete(id);
  tx.objectStore(INDEX).delete(id);
  await done(tx);
}

export async function allConversations(): Promise<Conversation[]> {
  const tx = (await db()).transaction(FULL, "readonly");
  return request(tx.objectStore(FULL).getAll() as IDBRequest<Conversation[]>);
}

export function newConversation(title = "New chat"): Conversation {
  const now = Date.now();
  return { id: uuid(), title, added: now, updated: now, items: [] };
}
