// Every call to our own API goes through here: the access key (keys mode) and, when a provider
// is named, that provider's key and base URL as hyphenated headers (contract: Header names).

import { providerKey, settings } from "./settings";
import { sameOriginUrl } from "./urls";

export const API = "/backend-api/v2";

export class ApiError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

/**
 * `path` when it is a plain path under our API, else an error before anything is sent: paths are
 * built from ids that may come from stored or shared data (a copied chat's bucket ids, an imported
 * share id), and `…/files/../create?…` would otherwise take the access key to another route.
 */
export function apiPath(path: string): string {
  const url = sameOriginUrl(path);
  if (!url?.pathname.startsWith(`${API}/`)) throw new ApiError(`Refused: ${path} is not an API path`, 0);
  return path;
}

export function headers(provider = "", extra: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = { ...extra };
  const access = settings().accessKey.trim();
  if (access) out.authorization = `Bearer ${access}`;
  const key = providerKey(provider);
  if (key?.key) out["x-api-key"] = key.key;
  if (key?.base) out["x-api-base"] = key.base;
  return out;
}

export async function errorMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  try {
    const body = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
    if (typeof body.error === "object" && body.error?.message) return body.error.message;
    if (typeof body.error === "string") return body.error;
    if (body.message) return body.message;
  } catch {
    // not JSON: a proxy's HTML page; show its status instead
  }
  return `HTTP ${response.status}`;
}

export async function call(path: string, init: RequestInit & { provider?: string } = {}): Promise<Response> {
  const { provider, ...rest } = init;
  const response = await fetch(apiPath(path), {
    ...rest,
    headers: headers(provider, (rest.headers as Record<string, string> | undefined) ?? {}),
  });
  if (!response.ok && response.status !== 304) throw new ApiError(await errorMessage(response), response.status);
  return response;
}

export async function getJson<T>(path: string, provider = ""): Promise<T> {
  const response = await call(path, { provider, headers: { accept: "application/json" } });
  return (await response.json()) as T;
}

export async function postJson<T>(path: string, body: unknown, extra: Record<string, string> = {}): Promise<T> {
  const response = await call(path, {
    method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json", ...extra },
  });
  return (await response.json()) as T;
}
