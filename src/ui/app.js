// Cited web UI: builds the views (sign-in, ask, documents with uploads, sources, review), shows the one
// the address's #hash names, and redraws them when the language changes. Plain modules, no build step.
import { AuthError, apiKey, errorSentence } from "./api.js";
import { askView } from "./ask.js";
import { documentsView } from "./documents.js";
import { $ } from "./dom.js";
import { currentLanguage, preferredLanguage, setLanguage, t } from "./i18n.js";
import { reviewView } from "./review.js";
import { isSignedIn, markSignedIn, probe, rerenderSignIn, signInView } from "./signin.js";
import { sourcesView } from "./sources.js";
import { uploadView } from "./upload.js";
import { citationTarget, SourceViewer } from "./viewer.js";

/** @typedef {"loading" | "signin" | "ask" | "documents" | "sources" | "reviews"} ViewName */

/** The views of the navigation, by their #hash. */
const VIEWS = ["ask", "documents", "sources", "reviews"];
/** @type {Partial<Record<ViewName, string>>} */
const TITLE_KEYS = {
  ask: "nav.ask",
  documents: "nav.documents",
  sources: "nav.sources",
  reviews: "nav.reviews",
  signin: "nav.signin",
};

/** @type {ViewName | null} the view shown */
let current = null;

/**
 * Show one view (its section, its link marked current, its title); `focus` moves to its heading.
 * @param {ViewName} name
 * @param {{ focus?: boolean }} [options]
 */
function showView(name, { focus = false } = {}) {
  current = name;
  for (const section of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll("[data-view]"))) {
    section.hidden = section.dataset.view !== name;
  }
  for (const link of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll("[data-view-link]"))) {
    if (link.dataset.viewLink === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const titleKey = TITLE_KEYS[name];
  document.title = `${titleKey ? t(titleKey) : "Cited"} — Cited`;
  if (focus) /** @type {HTMLElement | null} */ (document.querySelector(`#view-${name} h1`))?.focus();
}

const viewer = new SourceViewer($("#source"));
const ask = askView(viewer);
signInView({
  showPrompt: () => {
    viewer.hide();
    showView("signin");
  },
  onSignedIn: () => route({ focus: true }),
  onSignedOut: () => {
    ask.stop();
    documents.stopPolling();
  },
});
/** @type {import("./summary.js").OpenCitation} */
const openCitation = (citation, trigger) => void viewer.open(citationTarget(citation), trigger);
const documents = documentsView({ isSignedIn, onRender: ask.showDocuments, open: openCitation });
uploadView(() => documents.load({ quiet: true }));
const sources = sourcesView(() => current === "sources");
const reviews = reviewView({
  documents: documents.documents,
  open: openCitation,
});

/**
 * Show the view the #hash names (the ask view when it names none) and fetch what it lists.
 * @param {{ focus?: boolean }} [options]
 */
function route({ focus = false } = {}) {
  if (!isSignedIn()) return;
  const wanted = location.hash.replace(/^#/, "");
  const name = /** @type {ViewName} */ (VIEWS.includes(wanted) ? wanted : "ask");
  showView(name, { focus });
  if (name === "documents") documents.load();
  if (name === "ask") documents.load({ quiet: true });
  if (name === "sources") sources.load();
  if (name === "reviews") documents.load({ quiet: true });
}

window.addEventListener("hashchange", () => route({ focus: true }));

/** Redraw what scripts wrote in the old language: the view's title, lists, the last answer. */
function redraw() {
  if (current) showView(current);
  rerenderSignIn();
  documents.render();
  ask.rerender();
  if (current === "sources") sources.load();
  reviews.rerender();
}

const languageSelect = $("#language", HTMLSelectElement);
languageSelect.addEventListener("change", () => {
  setLanguage(languageSelect.value);
  redraw();
});

/** Speak the reader's language, then show the views if the server answers (or the key prompt if it wants a key). */
async function start() {
  setLanguage(preferredLanguage(), { remember: false });
  languageSelect.value = currentLanguage();
  try {
    await probe();
    markSignedIn(!apiKey.get());
    route();
  } catch (error) {
    if (error instanceof AuthError) return; // the key prompt is showing
    showView("loading");
    const banner = $("#banner");
    const text = t("start.unreachable", { reason: errorSentence(error) });
    banner.textContent = text;
    banner.hidden = !text;
  }
}

start();
