// Which URLs of our own origin rendered content may load, and which may carry the access key.
//
// Model output and shared chats are untrusted, and a URL is matched only as the browser will
// request it: `new URL` resolves `..`, `%2e%2e` and backslashes the way fetch and <img> do, so
// `/files/../backend-api/v2/create` is not under /files/ at all. Anything with dot segments (plain
// or encoded) or backslashes is refused outright rather than resolved: no link we write has them,
// and a proxy in front of the site may resolve them differently than the browser.
//
// The shapes mirror the server's media routes (functions/lambdachat/web/routes/media.py) and its
// id and filename rules (lambdachat/ids.py, lambdachat/files/layout.py).

/** Bucket and share ids (server: CLIENT_ID_PATTERN). */
export const CLIENT_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{7,63}$/;
// Server: `[\w.,+-]{1,100}`, no leading or trailing `.,_+-` (Python's \w is letters, digits, `_`).
const FILENAME = /^[\p{L}\p{N}](?:[\p{L}\p{N}_.,+-]{0,98}[\p{L}\p{N}])?$/u;
const OWNER_TAG = /^[0-9a-f]{16}$/; // generated media: lambdachat.media.generated
const DOT_SEGMENT = /(?:^|\/)(?:\.|%2e){1,2}(?:\/|$)/i; // matched against the path part only
// Backslash, whitespace and control characters: never in a URL we build, and `\` means `/` to a browser.
const UNSAFE_CHARS = /[\\\u0000-\u0020\u007f]/;

/** `src` resolved against our origin, or null when it is not a plain URL of this origin. */
export function sameOriginUrl(src: string, origin: string = location.origin): URL | null {
  if (UNSAFE_CHARS.test(src) || DOT_SEGMENT.test(src.split(/[?#]/, 1)[0])) return null;
  let url: URL;
  try {
    url = new URL(src, origin);
  } catch {
    return null;
  }
  if (url.origin !== origin || url.username || url.password) return null;
  return url;
}

/** True when `src` points at this origin (any path): what rendered content may not load freely. */
export function isSameOrigin(src: string, origin: string = location.origin): boolean {
  try {
    const url = new URL(src, origin);
    return (url.protocol === "http:" || url.protocol === "https:") && url.origin === origin;
  } catch {
    return true; // unparsable: treat as ours, so it is not loaded either
  }
}

function filename(segment: string): string | null {
  let name: string;
  try {
    name = decodeURIComponent(segment);
  } catch {
    return null;
  }
  return FILENAME.test(name) && name.normalize("NFC") === name ? name : null;
}

export type MediaRoute =
  /** /files/<bucket_id>/media/<name>: the caller's own (needs the access key), or through `share`. */
  | { kind: "bucket"; path: string; share: string | null }
  /** /media/<owner_tag>/<name> or /images/…: public by unguessable name, never needs a key. */
  | { kind: "generated"; path: string }
  /** /search/<terms>: a redirect to the caller's best-matching generated media (read-only). */
  | { kind: "search"; path: string };

const SEARCH_QUERY = new Set(["skip", "random", "min"]); // routes/search.py

/** The media route `src` is, with its canonical path; null for anything else. */
export function mediaRoute(src: string, origin: string = location.origin): MediaRoute | null {
  const url = sameOriginUrl(src, origin);
  if (!url || url.hash) return null;
  const parts = url.pathname.split("/");
  if (parts.length === 5 && parts[0] === "" && parts[1] === "files" && parts[3] === "media") {
    const name = filename(parts[4]);
    if (!CLIENT_ID.test(parts[2]) || name === null) return null;
    const query = [...url.searchParams];
    let share: string | null = null;
    if (query.length === 1 && query[0][0] === "share" && CLIENT_ID.test(query[0][1])) share = query[0][1];
    else if (url.search) return null; // the route takes no other query
    return { kind: "bucket", path: `/files/${parts[2]}/media/${encodeURIComponent(name)}`, share };
  }
  if (parts.length === 4 && parts[0] === "" && (parts[1] === "media" || parts[1] === "images")) {
    const name = filename(parts[3]);
    if (!OWNER_TAG.test(parts[2]) || name === null || url.search) return null;
    return { kind: "generated", path: `/${parts[1]}/${parts[2]}/${encodeURIComponent(name)}` };
  }
  if (parts.length >= 3 && parts[0] === "" && parts[1] === "search" && parts.slice(2).join("")) {
    if ([...url.searchParams.keys()].some((k) => !SEARCH_QUERY.has(k))) return null;
    return { kind: "search", path: url.pathname + url.search };
  }
  return null;
}
