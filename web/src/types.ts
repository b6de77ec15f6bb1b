// Shapes shared across features. Conversations keep g4f V1's localStorage schema (notes §8.2)
// so a V1 export imports as it is and a shared chat is readable by a V1 client.

export interface ProviderInfo {
  name: string;
  label?: string;
  model?: string;
  url?: string | null;
}

/** A part of a message's content (contract: Conversation request). */
export type Part =
  | { type: "text"; text: string }
  | { type: "image_url"; image_url: { url: string } }
  | { bucket_id: string; url?: string; name?: string };

export interface Reasoning {
  text: string;
  status?: string;
  label?: string;
}

export type NoticeKind = "warning" | "auth" | "error" | "stopped";

export interface Notice {
  kind: NoticeKind;
  text: string;
}

export interface Attachment {
  bucket_id: string;
  name: string;
  media?: boolean;
}

export interface Message {
  role: "user" | "assistant" | "system";
  content: string | Part[];
  provider?: ProviderInfo;
  reasoning?: Reasoning;
  finish?: { reason: string };
  usage?: Record<string, number>;
  synthesize?: { provider: string; data: Record<string, unknown> };
  notices?: Notice[];
  /** Files attached to a user message, shown as chips; their parts are in `content`. */
  attachments?: Attachment[];
}

export interface ShareInfo {
  id: string;
  token: string;
  expires_at: number | null;
}

export interface Conversation {
  id: string;
  title: string;
  added: number;
  updated: number;
  items: Message[];
  /** Provider state from `conversation` events, sent back next turn. */
  data?: Record<string, unknown>;
  share?: ShareInfo;
}

export interface ConversationSummary {
  id: string;
  title: string;
  updated: number;
}
