// Signing in: the key prompt (when the server needs keys), the header's sign-out button and open-mode
// notice, and the way back to the prompt whenever the server refuses the key (401).
import { AuthError, apiKey, errorSentence, request, whenUnauthorized } from "./api.js";
import { $ } from "./dom.js";
import { t } from "./i18n.js";

/** @typedef {{ showPrompt: () => void, onSignedOut: () => void }} SignInHooks */

/** Whether the API answers with the current key (or without one, in open mode). */
export async function probe() {
  await request("/v1/documents?limit=1", { headers: { accept: "application/json" } });
}

/** Whether a key (or open mode) lets this page use the API. */
const session = { signedIn: false, openMode: false };

/**
 * Show the navigation; in open mode (no key needed) say so instead of offering to sign out.
 * @param {boolean} open
 */
export function markSignedIn(open) {
  session.signedIn = true;
  session.openMode = open;
  $("#main-nav").hidden = false;
  $("#sign-out").hidden = open;
  const mode = $("#mode");
  mode.hidden = !open;
  mode.textContent = open ? t("mode.open") : "";
}

/** Whether the views may show. */
export function isSignedIn() {
  return session.signedIn;
}

/**
 * Back to the key prompt, with the server's reason.
 * @param {string} message
 * @param {SignInHooks} hooks
 */
function showSignIn(message, { showPrompt, onSignedOut }) {
  apiKey.clear();
  session.signedIn = false;
  onSignedOut();
  $("#main-nav").hidden = true;
  $("#sign-out").hidden = true;
  $("#mode").hidden = true;
  showPrompt();
  const box = $("#signin-message");
  box.textContent = message ? message.charAt(0).toUpperCase() + message.slice(1) : "";
  box.hidden = !message;
  const key = $("#api-key", HTMLInputElement);
  key.value = "";
  key.focus();
}

/**
 * Try the key typed; when the server takes it, show the views.
 * @param {() => void} onSignedIn
 */
async function submitKey(onSignedIn) {
  const key = $("#api-key", HTMLInputElement).value.trim();
  if (!key) return;
  apiKey.set(key);
  try {
    await probe();
    $("#signin-message").hidden = true;
    markSignedIn(false);
    onSignedIn();
  } catch (error) {
    if (!(error instanceof AuthError)) {
      const box = $("#signin-message");
      box.textContent = errorSentence(error);
      box.hidden = false;
    }
  }
}

/**
 * Sign-in wiring. `showPrompt()` shows the sign-in view, after `onSignedOut()` stopped what runs;
 * `onSignedIn()` shows the views once a key is accepted.
 * @param {SignInHooks & { onSignedIn: () => void }} hooks
 */
export function signInView(hooks) {
  whenUnauthorized((message) => {
    const hadKey = Boolean(apiKey.get());
    showSignIn(hadKey ? t("signin.rejected", { message }) : message, hooks);
  });
  $("#signin-form").addEventListener("submit", (e) => {
    e.preventDefault();
    submitKey(hooks.onSignedIn);
  });
  $("#sign-out").addEventListener("click", () => {
    showSignIn("", hooks);
    $("#signin-message").hidden = true;
  });
}

/** Say the header's words again in the current language. */
export function rerenderSignIn() {
  if (session.signedIn) markSignedIn(session.openMode);
}
