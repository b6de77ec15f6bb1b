// The settings dialog: theme, access key, provider keys, voice, memory, export and import.

import { $, h, toast } from "./dom";
import { LOCAL, type ProviderEntry } from "./models";
import { applyTheme, settings, updateSettings, type Theme } from "./settings";
import { exportAll, importText } from "./transfer";

export interface SettingsHooks {
  providers(): ProviderEntry[];
  keysChanged(): void;
  imported(): void;
}

export function setupSettings(dialog: HTMLDialogElement, hooks: SettingsHooks): () => void {
  const theme = $<HTMLSelectElement>("#theme", dialog);
  const access = $<HTMLInputElement>("#access-key", dialog);
  const keyProvider = $<HTMLSelectElement>("#key-provider", dialog);
  const apiKey = $<HTMLInputElement>("#api-key", dialog);
  const apiBase = $<HTMLInputElement>("#api-base", dialog);
  const tts = $<HTMLSelectElement>("#tts-engine", dialog);
  const memory = $<HTMLInputElement>("#memory-enabled", dialog);

  const showKey = (): void => {
    const key = settings().keys[keyProvider.value];
    apiKey.value = key?.key ?? "";
    apiBase.value = key?.base ?? "";
  };
  const saveKey = (): void => {
    const keys = { ...settings().keys };
    const key = apiKey.value.trim();
    const base = apiBase.value.trim();
    if (key || base) keys[keyProvider.value] = { key, base };
    else delete keys[keyProvider.value];
    updateSettings({ keys });
    hooks.keysChanged();
  };

  theme.addEventListener("change", () => {
    updateSettings({ theme: theme.value as Theme });
    applyTheme();
  });
  access.addEventListener("change", () => updateSettings({ accessKey: access.value.trim() }));
  keyProvider.addEventListener("change", showKey);
  apiKey.addEventListener("change", saveKey);
  apiBase.addEventListener("change", saveKey);
  tts.addEventListener("change", () => updateSettings({ ttsEngine: tts.value }));
  memory.addEventListener("change", () => updateSettings({ memory: memory.checked }));

  $("#export", dialog).addEventListener("click", () => {
    void exportAll().then((json) => {
      const link = h("a", { href: URL.createObjectURL(new Blob([json], { type: "application/json" })),
        download: `lambdachat-${new Date().toISOString().slice(0, 10)}.json` });
      link.click();
      URL.revokeObjectURL(link.href);
    });
  });
  const importInput = $<HTMLInputElement>("#import-file", dialog);
  $("#import", dialog).addEventListener("click", () => importInput.click());
  importInput.addEventListener("change", () => {
    const file = importInput.files?.[0];
    if (!file) return;
    void file.text().then(importText).then((n) => {
      toast(`Imported ${n} chat${n === 1 ? "" : "s"}`);
      hooks.imported();
    }).catch((err: unknown) => toast(`Import failed: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => { importInput.value = ""; });
  });
  $("#settings-close", dialog).addEventListener("click", () => dialog.close());

  return () => {
    const s = settings();
    theme.value = s.theme;
    access.value = s.accessKey;
    tts.value = s.ttsEngine;
    memory.checked = s.memory;
    const current = keyProvider.value;
    const names = hooks.providers().map((p) => p.name).filter((n) => n !== LOCAL);
    keyProvider.replaceChildren(...names.map((n) => h("option", { value: n }, n)));
    if (names.includes(current)) keyProvider.value = current;
    showKey();
    dialog.showModal();
  };
}
