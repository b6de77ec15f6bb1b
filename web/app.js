// The minimal lambdachat page: pick a provider and model, ask, read the streamed answer.
// Model output is only ever inserted as text (never as HTML). The real SPA replaces this file.

const $ = (id) => document.getElementById(id);
const ui = {
  provider: $("provider"), model: $("model"), apiKey: $("api-key"), messages: $("messages"),
  form: $("composer"), prompt: $("prompt"), send: $("send"), stop: $("stop"), status: $("status"),
};
const LOCAL = "Local";
const TINY = "tiny offline model";

const history = [];          // the conversation so far, sent with every turn
let conversationState = null; // provider state from a `conversation` event, sent back next turn
let allModels = [];
let controller = null;       // the AbortController of the answer in progress

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function option(value, text) {
  const node = el("option", "", text);
  node.value = value;
  return node;
}

function authHeaders() {
  const key = ui.apiKey.value.trim();
  return key ? { "x-api-key": key } : {};
}

async function errorMessage(response) {
  try {
    const body = await response.json();
    return body?.error?.message || `HTTP ${response.status}`;
  } catch {
    return `HTTP ${response.status}`;
  }
}

async function getJson(path, headers = {}) {
  const response = await fetch(path, { headers: { accept: "application/json", ...headers } });
  if (!response.ok) throw new Error(await errorMessage(response));
  return response.json();
}

function setStatus(text) {
  ui.status.textContent = text;
}

// ---- provider and model selects ----------------------------------------------------------

function providerText(provider) {
  const label = provider.label || provider.name;
  if (provider.name === LOCAL) return /offline/i.test(label) ? label : `${label} (${TINY})`;
  return provider.auth ? `${label} (needs a key)` : label;
}

function modelText(name, providers) {
  const onlyLocal = providers.length === 1 && providers[0] === LOCAL;
  return onlyLocal ? `${name} (${TINY})` : name;
}

function fillModels(entries) {
  ui.model.replaceChildren(option("", "Default"));
  for (const { name, providers } of entries) ui.model.append(option(name, modelText(name, providers)));
}

async function onProviderChange() {
  const provider = ui.provider.value;
  const known = allModels.filter((m) => !provider || m.providers.includes(provider));
  fillModels(known);
  if (!provider || known.length) return;
  // A provider the server has no key for: ask it live, with the key typed above.
  try {
    const live = await getJson(`/backend-api/v2/models/${encodeURIComponent(provider)}`, authHeaders());
    fillModels(live.map((m) => ({ name: m.model, providers: [provider] })));
    setStatus("");
  } catch (err) {
    setStatus(`${provider}: ${err.message}`);
  }
}

async function loadChoices() {
  try {
    const [providers, models] = await Promise.all([
      getJson("/backend-api/v2/providers"), getJson("/backend-api/v2/models"),
    ]);
    allModels = models;
    for (const provider of providers) ui.provider.append(option(provider.name, providerText(provider)));
    fillModels(allModels);
  } catch (err) {
    setStatus(`Could not load providers: ${err.message}`);
  }
}

// ---- messages ----------------------------------------------------------------------------

function addMessage(role) {
  const article = el("article", `message ${role}`);
  ui.messages.append(article);
  return article;
}

function scrollToEnd() {
  ui.messages.scrollTop = ui.messages.scrollHeight;
}

// One assistant answer on screen, updated event by event.
function createAnswer() {
  const article = addMessage("assistant");
  const meta = el("div", "meta");
  const reasoning = el("details", "reasoning");
  const summary = el("summary", "", "Reasoning");
  const thoughts = el("pre", "thoughts");
  const content = el("div", "content");
  reasoning.hidden = true;
  reasoning.append(summary, thoughts);
  article.append(meta, reasoning, content);
  let text = "";

  const notice = (kind, message) => article.append(el("p", `notice ${kind}`, message));

  return {
    get text() { return text; },
    handle(event) {
      switch (event.type) {
        case "provider":
          meta.textContent = `${event.provider.label || event.provider.name} · ${event.provider.model}`;
          break;
        case "content":
          text += event.content;
          content.append(event.content);
          break;
        case "reasoning":
          reasoning.hidden = false;
          if (event.token) thoughts.append(event.token);
          if (event.status || event.label) summary.textContent = `Reasoning: ${event.status || event.label}`;
          break;
        case "conversation":
          conversationState = event.conversation;
          break;
        case "finish":
          article.classList.add("finished");
          meta.append(` · ${event.finish.reason}`);
          break;
        case "usage":
          meta.append(` · ${event.usage.total_tokens} tokens`);
          break;
        case "message":
          notice("warning", event.message);
          break;
        case "error":
          notice("error", event.message);
          break;
        case "auth":
          notice("auth", `${event.message}. Type a key for this provider above.`);
          break;
        default:
          break; // preview, title, synthesize, log: not shown on this page
      }
    },
    fail(message) { notice("error", message); },
    stopped() {
      article.classList.add("stopped");
      notice("stopped", "Stopped.");
    },
  };
}

// ---- streaming ---------------------------------------------------------------------------

// Yields one event per NDJSON line; a line may arrive split over several chunks.
async function* ndjsonEvents(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, end).trim();
        buffer = buffer.slice(end + 1);
        if (line) yield JSON.parse(line);
      }
    }
    buffer += decoder.decode();
    if (buffer.trim()) yield JSON.parse(buffer);
  } finally {
    reader.cancel().catch(() => {});
  }
}

function setBusy(busy) {
  ui.send.disabled = busy;
  ui.stop.disabled = !busy;
  setStatus(busy ? "Answering…" : "");
}

async function ask(prompt) {
  history.push({ role: "user", content: prompt });
  addMessage("user").textContent = prompt;
  const answer = createAnswer();
  controller = new AbortController();
  setBusy(true);
  try {
    const response = await fetch("/backend-api/v2/conversation", {
      method: "POST",
      signal: controller.signal,
      headers: { "content-type": "application/json", accept: "application/x-ndjson", ...authHeaders() },
      body: JSON.stringify({
        provider: ui.provider.value, model: ui.model.value, messages: history,
        ...(conversationState ? { conversation: conversationState } : {}),
      }),
    });
    if (!response.ok) {
      answer.fail(await errorMessage(response));
      return;
    }
    for await (const event of ndjsonEvents(response.body)) {
      answer.handle(event);
      scrollToEnd();
    }
  } catch (err) {
    if (err.name === "AbortError") answer.stopped();
    else answer.fail(err.message || String(err));
  } finally {
    if (answer.text) history.push({ role: "assistant", content: answer.text });
    controller = null;
    setBusy(false);
    scrollToEnd();
  }
}

// ---- wiring ------------------------------------------------------------------------------

ui.form.addEventListener("submit", (event) => {
  event.preventDefault();
  const prompt = ui.prompt.value.trim();
  if (!prompt || controller) return;
  ui.prompt.value = "";
  ask(prompt);
});

ui.prompt.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    ui.form.requestSubmit();
  }
});

ui.stop.addEventListener("click", () => controller?.abort());
ui.provider.addEventListener("change", onProviderChange);

loadChoices();
