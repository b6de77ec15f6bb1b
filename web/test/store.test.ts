import "fake-indexeddb/auto";
import { afterEach, describe, expect, it } from "vitest";
import {
  allConversations, closeStore, deleteConversation, getConversation, listConversations, newConversation,
  saveConversation,
} from "../src/store";
import { parseExport } from "../src/transfer";

afterEach(async () => {
  closeStore();
  await new Promise((resolve) => { indexedDB.deleteDatabase("lambdachat").onsuccess = resolve; });
});

describe("store", () => {
  it("saves, lists newest first, searches titles, renames and deletes", async () => {
    const a = { ...newConversation("Apple pie"), updated: 1 };
    const b = { ...newConversation("Banana bread"), updated: 2 };
    a.items.push({ role: "user", content: "hi" });
    await saveConversation(a);
    await saveConversation(b);
    expect((await listConversations()).map((c) => c.title)).toEqual(["Banana bread", "Apple pie"]);
    expect((await listConversations("APPLE")).map((c) => c.id)).toEqual([a.id]);
    expect((await getConversation(a.id))?.items).toEqual([{ role: "user", content: "hi" }]);

    await saveConversation({ ...a, title: "Cherry tart", updated: 3 });
    expect((await listConversations())[0].title).toBe("Cherry tart");

    await deleteConversation(b.id);
    expect(await getConversation(b.id)).toBeUndefined();
    expect((await listConversations()).map((c) => c.id)).toEqual([a.id]);
    expect(await allConversations()).toHaveLength(1);
  });
});

describe("import", () => {
  it("reads a g4f V1 localStorage export and skips what is not a conversation", () => {
    const v1 = {
      "conversation:abc": JSON.stringify({ id: "abc", title: "From V1", added: 5, updated: 6,
        items: [{ role: "user", content: "hello" }, { role: "assistant", content: "hi",
          provider: { name: "OpenaiChat", model: "gpt-4o" } }] }),
      "conversation:bad": "{not json",
      "OpenaiChat-api_key": "secret",
    };
    const convs = parseExport(JSON.stringify(v1));
    expect(convs).toHaveLength(1);
    expect(convs[0]).toMatchObject({ id: "abc", title: "From V1", added: 5, updated: 6 });
    expect(convs[0].items[1].provider?.model).toBe("gpt-4o");
  });

  it("reads its own export", () => {
    const own = { format: "lambdachat.conversations", version: 1,
      conversations: [{ id: "x", title: "", items: [{ role: "user", content: "q" }, { role: "tool" }] }] };
    const [conv] = parseExport(JSON.stringify(own));
    expect(conv.title).toBe("Imported chat");
    expect(conv.items).toEqual([{ role: "user", content: "q" }]);
  });
});
