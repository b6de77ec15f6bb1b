// Settings live in this browser only (localStorage). Provider keys never leave it except as
// request headers to our own origin.

import { uuid } from "./dom";

export type Theme = "system" | "light" | "dark";

export interface ProviderKey {
  key: string;
  base: string;
}

export interface Settings {
  theme: Theme;
  accessKey: string;
  provider: string;
  model: string;
  keys: Record<string, ProviderKey>;
  ttsEngine: string;
  memory: boolean;
  memoryUser: string;
  webSearch: boolean;
}

const KEY = "lambdachat:settings";

const DEFAULTS: Settings = {
  theme: "system", accessKey: "", provider: "", model: "", keys: {}, ttsEngine: "",
  memory: false, memoryUser: "", webSearch: false,
};

let current: Settings | null = null;
const listeners: ((s: Settings) => void)[] = [];

export function settings(): Settings {
  if (!current) {
    let stored: Partial<Settings> = {};
    try {
      stored = JSON.parse(localStorage.getItem(KEY) ?? "{}") as Partial<Settings>;
    } catch {
      stored = {};
    }
    current = { ...DEFAULTS, ...stored };
    if (!current.memoryUser) {
      // Kept at once: memories are filed under this id, so it must not change between visits.
      current.memoryUser = uuid();
      localStorage.setItem(KEY, JSON.stringify(current));
    }
  }
  return current;
}

export function updateSettings(change: Partial<Settings>): Settings {
  current = { ...settings(), ...change };
  localStorage.setItem(KEY, JSON.stringify(current));
  for (const listener of listeners) listener(current);
  return current;
}

export function onSettings(listener: (s: Settings) => void): void {
  listeners.push(listener);
}

export function providerKey(provider: string): ProviderKey | undefined {
  return provider ? settings().keys[provider] : undefined;
}

export function applyTheme(theme: Theme = settings().theme): void {
  const dark = theme === "dark" || (theme === "system" && matchMedia("(prefers-color-scheme: dark)").matches);
  document.documentElement.dataset.theme = dark ? "dark" : "light";
}
