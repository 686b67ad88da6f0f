// The ask view: a question (Enter asks), optionally filtered and optionally a follow-up of the
// conversation so far, answered as a stream into the answer panel; Stop ends it, and a busy server
// (429) is counted down.

import { AnswerPanel } from "./answer.js";
import { ApiFailure, AuthError, askStream, errorSentence, isAbortError, json } from "./api.js";
import { $ } from "./dom.js";
import { renderFilterDocuments, selectedFilters, wireFilters } from "./filters.js";
import { t } from "./i18n.js";

/** @typedef {import("../../schemas/api.js").DocumentView} DocumentView */
/** @typedef {import("../../schemas/chat.js").StandaloneResponse} StandaloneResponse */
/** @typedef {import("./viewer.js").SourceViewer} SourceViewer */
/** @typedef {{ user: string, assistant: string }} Turn one answered question of the conversation */

/** Earlier questions a follow-up is read with (the server rewrites it with them). */
const MAX_TURNS = 6;
/** How long a busy server is waited for when it does not say (Retry-After), in seconds. */
const DEFAULT_BUSY_SECONDS = 5;

/** The running question and the conversation so far. */
const asking = {
  /** @type {AbortController | null} stops the running question */
  controller: null,
  busyTimer: 0,
  /** @type {Turn[]} oldest first */
  turns: [],
  /** whether the running question continues the conversation */
  followingUp: false,
  /** @type {string | null} the rewritten question of the last answer */
  standalone: null,
};

/** Show the conversation line (how many earlier questions) and the rewritten question, in the current language. */
function renderConversation() {
  $("#conversation").hidden = asking.turns.length === 0;
  $("#conversation-count").textContent = t("ask.followUpCount", { n: asking.turns.length });
  const standalone = $("#answer-standalone");
  standalone.hidden = !asking.standalone;
  standalone.textContent = asking.standalone ? t("answer.standalone", { question: asking.standalone }) : "";
}

/**
 * The question to ask: a follow-up (the box ticked) is rewritten with the conversation before it.
 * @param {AnswerPanel} panel
 * @param {string} text
 * @param {AbortSignal} signal
 */
async function questionToAsk(panel, text, signal) {
  asking.standalone = null;
  asking.followingUp = $("#follow-up", HTMLInputElement).checked && asking.turns.length > 0;
  if (!asking.followingUp) return text;
  panel.setState("searching", t("answer.rewriting"));
  const history = asking.turns.flatMap((turn) => [
    { role: "user", text: turn.user },
    { role: "assistant", text: turn.assistant },
  ]);
  /** @type {StandaloneResponse} */
  const result = await json("/v1/ask/standalone", {
    method: "POST",
    body: { question: text, history },
    signal,
  });
  if (result.rewritten) asking.standalone = result.question;
  return result.question;
}

/**
 * Count down the seconds a busy server asked to wait.
 * @param {AnswerPanel} panel
 * @param {number | null} seconds
 */
function showBusy(panel, seconds) {
  clearInterval(asking.busyTimer);
  let left = seconds ?? DEFAULT_BUSY_SECONDS;
  const say = () =>
    panel.setState("busy", left > 0 ? t("answer.busy", { seconds: left }) : t("answer.busyOver"));
  say();
  asking.busyTimer = setInterval(() => {
    left -= 1;
    say();
    if (left <= 0) clearInterval(asking.busyTimer);
  }, 1000);
}

/**
 * Ask (a follow-up rewritten first) and show the stream as it comes: passages found, the draft,
 * citations verified, then the answer, which joins the conversation.
 * @param {AnswerPanel} panel
 * @param {string} text the question as typed
 * @param {AbortSignal} signal
 */
async function streamAnswer(panel, text, signal) {
  let finished = false;
  const asked = await questionToAsk(panel, text, signal);
  renderConversation();
  if (asking.followingUp) panel.setState("searching", t("answer.searching"));
  await askStream(
    { question: asked, filters: selectedFilters() },
    (event, data) => {
      if (event === "passages") {
        const n = data.passages.length;
        panel.setState("writing", n ? t("answer.writing", { n }) : t("answer.noPassage"));
      } else if (event === "token") {
        panel.appendDraft(data.text);
      } else if (event === "citation") {
        panel.setStatus(t("answer.verified"));
      } else if (event === "done") {
        finished = true;
        panel.render(data);
        const earlier = asking.followingUp ? asking.turns : [];
        asking.turns = [...earlier, { user: text, assistant: data.answer }].slice(-MAX_TURNS);
      } else if (event === "error") {
        finished = true;
        panel.hideDraft();
        panel.setState(
          "error",
          t("answer.failed", { reason: `${data.error?.message ?? t("answer.unknownError")}.` }),
        );
      }
    },
    signal,
  );
  if (!finished) panel.setState("error", t("answer.closed"));
}

/**
 * Say why the question got no answer: stopped, busy, or failed (a refused key shows the key prompt).
 * @param {AnswerPanel} panel
 * @param {unknown} error
 */
function showAskFailure(panel, error) {
  if (isAbortError(error)) {
    panel.hideDraft();
    panel.setState("stopped", t("answer.stopped"));
  } else if (error instanceof AuthError) {
    // back at the key prompt
  } else if (error instanceof ApiFailure && error.status === 429) {
    panel.hideDraft();
    showBusy(panel, error.retryAfter);
  } else {
    panel.hideDraft();
    panel.setState("error", t("answer.failed", { reason: errorSentence(error) }));
  }
}

/**
 * Ask the question in the box, unless one is running.
 * @param {AnswerPanel} panel
 */
async function askQuestion(panel) {
  if (asking.controller) return;
  const question = $("#question", HTMLTextAreaElement);
  const text = question.value.trim();
  if (!text) {
    panel.setState("error", t("answer.empty"));
    question.focus();
    return;
  }
  clearInterval(asking.busyTimer);
  const controller = new AbortController();
  asking.controller = controller;
  const button = $("#ask-button", HTMLButtonElement);
  const stop = $("#ask-stop");
  button.disabled = true;
  stop.hidden = false;
  panel.clear();
  panel.setState("searching", t("answer.searching"));
  try {
    await streamAnswer(panel, text, controller.signal);
  } catch (error) {
    showAskFailure(panel, error);
  } finally {
    renderConversation();
    asking.controller = null;
    button.disabled = false;
    stop.hidden = true;
    if (document.activeElement === stop || document.activeElement === document.body) question.focus();
  }
}

/**
 * Ask view wiring; `viewer` opens the pages answers cite.
 * @param {SourceViewer} viewer
 */
export function askView(viewer) {
  const panel = new AnswerPanel(viewer);
  const form = $("#ask-form", HTMLFormElement);
  $("#question").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  wireFilters();
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    askQuestion(panel);
  });
  $("#ask-stop").addEventListener("click", () => asking.controller?.abort());
  return {
    /** @param {DocumentView[]} documents the documents listed, to offer as filters */
    showDocuments: (documents) => renderFilterDocuments(documents),
    /** Redraw the answer and the conversation line in the current language. */
    rerender() {
      panel.rerender();
      renderConversation();
    },
    /** Stop the running question (signing out). */
    stop: () => asking.controller?.abort(),
  };
}
