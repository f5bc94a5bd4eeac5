// The code editor of the submit forms (the problem page, the playground): CodeMirror 6 over
// each <textarea data-editor>. The textarea stays the form's field (the editor writes every
// change into it) and is what a browser without JavaScript shows. Also, in those forms:
// Ctrl+Enter (Cmd+Enter) submits; picking a file selects the language of its extension; the
// language the user picks is remembered in localStorage (the server remembers it in the
// session too). Bundled by esbuild into web/static/editor.js (see web/editor/README.md).
import {closeBrackets, closeBracketsKeymap} from "@codemirror/autocomplete";
import {defaultKeymap, history, historyKeymap, indentWithTab} from "@codemirror/commands";
import {bracketMatching, indentOnInput, indentUnit, syntaxHighlighting}
  from "@codemirror/language";
import {highlightSelectionMatches, searchKeymap} from "@codemirror/search";
import {Compartment, EditorState, Prec} from "@codemirror/state";
import {drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter,
        highlightSpecialChars, keymap, lineNumbers} from "@codemirror/view";
import {classHighlighter} from "@lezer/highlight";
import {modeFor, modeName} from "./modes.js";

const STORED = "judgebox.language";
// The page's Content-Security-Policy allows <style> elements carrying this response's nonce
// only; CodeMirror puts its styles in one, and the script tag hands us the nonce.
const NONCE = (document.currentScript && document.currentScript.nonce) || "";
const DARK = window.matchMedia("(prefers-color-scheme: dark)");

function remembered() {
  try { return window.localStorage.getItem(STORED); } catch (e) { return null; }
}

function remember(language) {
  try { window.localStorage.setItem(STORED, language); } catch (e) { /* storage is off */ }
}

function extensionsOf(option) {
  return option ? (option.dataset.extensions || "").split(" ").filter(Boolean) : [];
}

function optionFor(select, value) {
  return Array.from(select.options).find((o) => o.value === value && !o.disabled);
}

// The option whose language owns this file's extension.
function optionForFile(select, filename) {
  const dot = filename.lastIndexOf(".");
  if (dot < 0) return null;
  const ext = filename.slice(dot + 1).toLowerCase();
  return Array.from(select.options).find((o) => extensionsOf(o).includes(ext)) || null;
}

// Text typed over a selection that spans lines, or text that holds a line break (dictation,
// some input methods): Chromium's own editing would join or split the lines and give a line
// an inline style, which the page's CSP refuses (harmlessly: CodeMirror redraws the line) and
// reports. The editor makes such a change itself, passing the text to the input handlers
// (closeBrackets...) as typed text.
function typeOverLines(event, view) {
  if (event.inputType !== "insertText" || event.isComposing || !event.data) return false;
  const {state} = view;
  const spansLines = state.selection.ranges.some(
    (r) => state.doc.lineAt(r.from).number !== state.doc.lineAt(r.to).number);
  if (!spansLines && !/[\r\n]/.test(event.data)) return false;
  event.preventDefault();
  const {from, to} = state.selection.main;
  const typed = () => state.update(state.replaceSelection(event.data),
                                   {userEvent: "input.type", scrollIntoView: true});
  const handled = state.facet(EditorView.inputHandler).some(
    (handler) => handler(view, from, to, event.data, typed));
  if (!handled) view.dispatch(typed());
  return true;
}

function submit(form) {
  if (form.requestSubmit) form.requestSubmit(); else form.submit();
}

function enhance(textarea) {
  const form = textarea.form;
  const select = form.querySelector("select[name=language]");
  const label = form.querySelector(`label[for="${textarea.id}"]`);
  const mode = new Compartment();
  const scheme = new Compartment();
  const highlighting = () => {
    const option = select && select.selectedOptions[0];
    return option ? modeFor(option.value, extensionsOf(option)) : [];
  };
  const view = new EditorView({
    doc: textarea.value,
    extensions: [
      lineNumbers(), highlightActiveLineGutter(), highlightSpecialChars(), history(),
      drawSelection(), indentOnInput(), bracketMatching(), closeBrackets(),
      highlightActiveLine(), highlightSelectionMatches(),
      syntaxHighlighting(classHighlighter),  // tok-* classes, coloured by style.css
      EditorState.tabSize.of(4), indentUnit.of("    "),
      Prec.highest(keymap.of([{key: "Mod-Enter", run: () => { submit(form); return true; }}])),
      // Tab indents; Escape then Tab moves the focus on (CodeMirror's tab focus mode)
      keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...searchKeymap, ...historyKeymap,
                 indentWithTab]),
      EditorView.domEventHandlers({beforeinput: typeOverLines}),
      EditorView.updateListener.of((update) => {
        if (update.docChanged) textarea.value = update.state.doc.toString();
      }),
      EditorView.editorAttributes.of({class: "code-editor"}),  // style.css styles it
      EditorView.contentAttributes.of(contentAttributes(textarea, label)),
      EditorView.cspNonce.of(NONCE),
      scheme.of(EditorView.darkTheme.of(DARK.matches)),
      mode.of(highlighting()),
    ],
  });
  view.dom.dataset.mode = modeNameOf(select);
  textarea.after(view.dom);
  textarea.hidden = true;
  if (label) label.addEventListener("click", () => view.focus());
  DARK.addEventListener("change", () => view.dispatch({
    effects: scheme.reconfigure(EditorView.darkTheme.of(DARK.matches))}));
  if (select) {
    select.addEventListener("change", () => {
      view.dispatch({effects: mode.reconfigure(highlighting())});
      view.dom.dataset.mode = modeNameOf(select);
    });
  }
  return view;
}

// The textarea's label and description name the editor's content for screen readers.
function contentAttributes(textarea, label) {
  const attributes = {};
  if (label && label.id) attributes["aria-labelledby"] = label.id;
  const described = textarea.getAttribute("aria-describedby");
  if (described) attributes["aria-describedby"] = described;
  return attributes;
}

function modeNameOf(select) {
  const option = select && select.selectedOptions[0];
  return (option && modeName(option.value, extensionsOf(option))) || "plain";
}

// The language select: starts at the user's last choice, follows a picked file's extension,
// and remembers what the user picks. `language_default` tells the server whether the user
// left the language as the page offered it (then the server follows an uploaded file's
// extension too): a pick of the user's own clears it.
function languageChoice(form) {
  const select = form.querySelector("select[name=language]");
  if (!select) return;
  const untouched = form.querySelector("input[name=language_default]");
  let ours = false;  // a change this script makes, not the user's pick
  const set = (option) => {
    if (!option || select.value === option.value) return;
    select.value = option.value;
    ours = true;
    try { select.dispatchEvent(new Event("change")); } finally { ours = false; }
  };
  if (select.dataset.chosen !== "1") {  // the session has no choice: this browser may
    const stored = remembered();
    const option = stored && optionFor(select, stored);
    if (option) {
      set(option);
      if (untouched) untouched.value = option.value;
    }
  }
  select.addEventListener("change", (event) => {
    if (ours) return;
    remember(select.value);
    if (untouched) untouched.value = "";
  });
  const file = form.querySelector("input[type=file][name=file]");
  if (file) {
    file.addEventListener("change", () => {
      if (file.files.length) set(optionForFile(select, file.files[0].name));
      if (untouched && file.files.length) untouched.value = select.value;
    });
  }
}

// Ctrl+Enter (Cmd+Enter on a Mac) submits the form from any of its fields.
function submitShortcut(form) {
  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.defaultPrevented) {
      event.preventDefault();
      submit(form);
    }
  });
}

function start() {
  document.querySelectorAll("textarea[data-editor]").forEach((textarea) => {
    languageChoice(textarea.form);
    submitShortcut(textarea.form);
    enhance(textarea);
  });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
