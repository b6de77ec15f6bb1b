// Plain text of a message, whatever its content shape.

import type { Message, Part } from "../types";

export function messageText(msg: Pick<Message, "content">): string {
  if (typeof msg.content === "string") return msg.content;
  return msg.content
    .map((part: Part) => ("type" in part && part.type === "text" ? part.text : ""))
    .filter(Boolean)
    .join("\n");
}

/** An answer that stopped early can be carried on (g4f V1 shows "Continue" for these). */
export function canContinue(msg: Message): boolean {
  const reason = msg.finish?.reason;
  return msg.role === "assistant" && (reason === "length" || reason === "max_tokens");
}
