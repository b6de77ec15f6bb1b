import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The API lives on the same origin (contract: Routes); `npm run dev` proxies it to `lambdachat serve`.
const api = "http://127.0.0.1:8080";

export default defineConfig({
  resolve: {
    alias: {
      "punycode.js": fileURLToPath(new URL("./src/stubs/punycode.ts", import.meta.url)),
      entities: fileURLToPath(new URL("./src/stubs/entities.ts", import.meta.url)),
    },
  },
  build: {
    target: "es2022",
    // Module preload polyfill would be an inline script; the CSP allows only 'self'.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: Object.fromEntries(["/backend-api", "/files", "/media", "/images", "/search"].map((p) => [p, api])),
  },
  test: {
    environment: "jsdom",
    include: ["test/**/*.test.ts"],
  },
});
