import { afterEach, describe, expect, it, vi } from "vitest";
import { h, uuid } from "../src/dom";

afterEach(() => vi.unstubAllGlobals());

describe("uuid", () => {
  it("makes v4 UUIDs even without crypto.randomUUID (plain http on a LAN)", () => {
    const real = globalThis.crypto;
    vi.stubGlobal("crypto", { getRandomValues: (a: Uint8Array<ArrayBuffer>) => real.getRandomValues(a) });
    const ids = new Set(Array.from({ length: 50 }, () => uuid()));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe("h", () => {
  it("puts text in as text, never as markup", () => {
    const el = h("p", { class: "x", title: "<b>" }, "<img src=x onerror=alert(1)>");
    expect(el.querySelector("img")).toBeNull();
    expect(el.textContent).toBe("<img src=x onerror=alert(1)>");
    expect(el.getAttribute("title")).toBe("<b>");
  });
});
