// markdown-it converts IDN hosts with punycode; the browser's URL parser does that itself, so
// the 2 KB library is left out of the initial bundle (aliased in vite.config.ts).
const identity = (s: string): string => s;
export default { toASCII: identity, toUnicode: identity, encode: identity, decode: identity };
