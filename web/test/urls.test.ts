import { describe, expect, it } from "vitest";
import { mediaRoute, sameOriginUrl } from "../src/urls";

const ORIGIN = "https://chat.example";

describe("mediaRoute (the server's media route shapes, exactly)", () => {
  it.each([
    ["/files/b1234567/media/cat.png", { kind: "bucket", path: "/files/b1234567/media/cat.png", share: null }],
    [`${ORIGIN}/files/b1234567/media/caf%C3%A9.png`, { kind: "bucket", path: "/files/b1234567/media/caf%C3%A9.png", share: null }],
    ["/files/b1234567/media/caf\u00e9.png", { kind: "bucket", path: "/files/b1234567/media/caf%C3%A9.png", share: null }],
    ["/files/b1234567/media/a%2Cb.png", { kind: "bucket", path: "/files/b1234567/media/a%2Cb.png", share: null }],
    ["/files/b1234567/media/cat.png?share=s1234567", { kind: "bucket", path: "/files/b1234567/media/cat.png", share: "s1234567" }],
    ["/media/0123456789abcdef/gen.png", { kind: "generated", path: "/media/0123456789abcdef/gen.png" }],
    ["/images/0123456789abcdef/gen.jpg", { kind: "generated", path: "/images/0123456789abcdef/gen.jpg" }],
    ["/search/cat+dog?skip=1", { kind: "search", path: "/search/cat+dog?skip=1" }],
  ])("%s is a media route", (src, route) => {
    expect(mediaRoute(src, ORIGIN)).toEqual(route);
  });

  it.each([
    "/files/short/media/cat.png", // bucket ids are 8-64 characters
    "/files/b1234567/media/.hidden", "/files/b1234567/media/cat.png_", "/files/b1234567/media/a%2Fb.png",
    "/files/b1234567/media/a%5Cb.png", "/files/b1234567/media/a%00.png", "/files/b1234567/media/%E0%A4%A",
    "/files/b1234567/media/cat.png?share=s1", "/files/b1234567/media/cat.png?share=s1234567&share=t1234567",
    "/files/b1234567/media/cat.png#t=1", "/media/owner/gen.png", "/media/0123456789abcdef/gen.png?x=1",
    "/media/0123456789abcdef/a/b.png", "/files/b1234567/media/e\u0301.png", // not NFC, as the server refuses
    "https://other.example/files/b1234567/media/cat.png", "http://chat.example/files/b1234567/media/cat.png",
    "https://user@chat.example/files/b1234567/media/cat.png",
    "/search/", "/search/cat?prompt=X", "/search/../backend-api/v2/create",
  ])("%s is not", (src) => {
    expect(mediaRoute(src, ORIGIN)).toBeNull();
  });
});

describe("sameOriginUrl", () => {
  it("refuses dot segments, plain or encoded, and backslashes before resolving anything", () => {
    for (const src of ["/a/../b", "/a/./b", "/a/%2E%2e/b", "/a/.%2e", "/a\\b", "/a/b\n", "//other.example/x"]) {
      expect(sameOriginUrl(src, ORIGIN)).toBeNull();
    }
    expect(sameOriginUrl("/a/..b/c?q=../x", ORIGIN)?.pathname).toBe("/a/..b/c");
  });
});
