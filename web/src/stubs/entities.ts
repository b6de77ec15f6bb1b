// markdown-it decodes `&name;` with the `entities` package and its 19 KB table. The browser
// already has that table: a <textarea> parses its markup as text only (RCDATA), so nothing in
// it can run or load, and its value is the decoded string. Aliased in vite.config.ts.
let area: HTMLTextAreaElement | null = null;

export function decodeHTMLStrict(text: string): string {
  if (!/^&(?:[a-z][a-z0-9]{1,31}|#[0-9]{1,7}|#x[0-9a-f]{1,6});$/i.test(text)) return text;
  area ??= document.createElement("textarea");
  area.innerHTML = text;
  return area.value;
}
