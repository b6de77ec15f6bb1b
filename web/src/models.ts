// Provider and model pickers: /providers and /models, or a provider's live list with its key.

import { API, getJson } from "./api";
import { h } from "./dom";
import { isDemo } from "./demo";
import { settings, updateSettings } from "./settings";

export interface ProviderEntry {
  name: string;
  label: string;
  auth: boolean;
  image?: boolean;
  vision?: boolean;
}

interface ModelEntry {
  name: string;
  providers: string[];
  vision?: boolean;
  image?: boolean;
  demo?: boolean;
}

export const LOCAL = "Local";
export const TINY = "tiny offline model";

export function providerText(p: ProviderEntry): string {
  const label = p.label || p.name;
  if (p.name === LOCAL) return /offline/i.test(label) ? label : `${label} (${TINY})`;
  return p.auth ? `${label} (needs a key)` : label;
}

function option(value: string, text: string): HTMLOptionElement {
  return h("option", { value }, text);
}

export class ModelPicker {
  providers: ProviderEntry[] = [];
  private models: ModelEntry[] = [];
  private live = 0;

  constructor(private readonly provider: HTMLSelectElement, private readonly model: HTMLSelectElement,
    private readonly report: (text: string) => void) {
    provider.addEventListener("change", () => {
      updateSettings({ provider: provider.value, model: "" });
      void this.fillModels();
    });
    model.addEventListener("change", () => updateSettings({ model: model.value }));
  }

  /** Whether the server is a public demo (its /models entries say `"demo": true`). */
  get demo(): boolean {
    return isDemo(this.models);
  }

  choice(): { provider: string; model: string } {
    return { provider: this.provider.value, model: this.model.value };
  }

  async load(): Promise<void> {
    try {
      [this.providers, this.models] = await Promise.all([
        getJson<ProviderEntry[]>(`${API}/providers`), getJson<ModelEntry[]>(`${API}/models`),
      ]);
    } catch (err) {
      this.report(`Could not load providers: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    this.provider.replaceChildren(option("", "Automatic"),
      ...this.providers.map((p) => option(p.name, providerText(p))));
    const saved = settings().provider;
    if (this.providers.some((p) => p.name === saved)) this.provider.value = saved;
    await this.fillModels(settings().model);
  }

  /** Reloads the selected provider's models (after its key changed in settings). */
  async fillModels(keep = ""): Promise<void> {
    const provider = this.provider.value;
    const ticket = ++this.live;
    const known = this.models.filter((m) => !provider || m.providers.includes(provider));
    this.setModels(known.map((m) => [m.name, this.modelText(m.name, m.providers)]), keep);
    const entry = this.providers.find((p) => p.name === provider);
    if (!provider || (known.length && !settings().keys[provider]?.key) || !entry) return;
    try {
      const list = await getJson<{ model: string; default?: boolean }[]>(
        `${API}/models/${encodeURIComponent(provider)}`, provider);
      if (ticket !== this.live) return;
      this.setModels(list.map((m) => [m.model, this.modelText(m.model, [provider])]), keep);
      this.report("");
    } catch (err) {
      if (ticket === this.live) this.report(`${provider}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private modelText(name: string, providers: string[]): string {
    return providers.length === 1 && providers[0] === LOCAL ? `${name} (${TINY})` : name;
  }

  private setModels(entries: [string, string][], keep: string): void {
    this.model.replaceChildren(option("", "Default"), ...entries.map(([v, t]) => option(v, t)));
    if (keep && entries.some(([v]) => v === keep)) this.model.value = keep;
  }
}
