// Syntax modes by name (the names modes.json gives the languages): Lezer grammars where
// CodeMirror has one, else a legacy stream mode. Each is made when first used.
import {StreamLanguage} from "@codemirror/language";
import {cpp} from "@codemirror/lang-cpp";
import {go} from "@codemirror/lang-go";
import {java} from "@codemirror/lang-java";
import {javascript} from "@codemirror/lang-javascript";
import {php} from "@codemirror/lang-php";
import {python} from "@codemirror/lang-python";
import {rust} from "@codemirror/lang-rust";
import {csharp, dart, kotlin, objectiveC, scala} from "@codemirror/legacy-modes/mode/clike";
import {clojure} from "@codemirror/legacy-modes/mode/clojure";
import {cobol} from "@codemirror/legacy-modes/mode/cobol";
import {coffeeScript} from "@codemirror/legacy-modes/mode/coffeescript";
import {commonLisp} from "@codemirror/legacy-modes/mode/commonlisp";
import {crystal} from "@codemirror/legacy-modes/mode/crystal";
import {d} from "@codemirror/legacy-modes/mode/d";
import {elm} from "@codemirror/legacy-modes/mode/elm";
import {erlang} from "@codemirror/legacy-modes/mode/erlang";
import {fortran} from "@codemirror/legacy-modes/mode/fortran";
import {groovy} from "@codemirror/legacy-modes/mode/groovy";
import {haskell} from "@codemirror/legacy-modes/mode/haskell";
import {julia} from "@codemirror/legacy-modes/mode/julia";
import {lua} from "@codemirror/legacy-modes/mode/lua";
import {fSharp, oCaml, sml} from "@codemirror/legacy-modes/mode/mllike";
import {octave} from "@codemirror/legacy-modes/mode/octave";
import {pascal} from "@codemirror/legacy-modes/mode/pascal";
import {perl} from "@codemirror/legacy-modes/mode/perl";
import {r} from "@codemirror/legacy-modes/mode/r";
import {ruby} from "@codemirror/legacy-modes/mode/ruby";
import {scheme} from "@codemirror/legacy-modes/mode/scheme";
import {shell} from "@codemirror/legacy-modes/mode/shell";
import {sqlite} from "@codemirror/legacy-modes/mode/sql";
import {swift} from "@codemirror/legacy-modes/mode/swift";
import {tcl} from "@codemirror/legacy-modes/mode/tcl";
import table from "../modes.json";

const legacy = (parser) => () => StreamLanguage.define(parser);

export const MODES = {
  cpp: () => cpp(), go: () => go(), java: () => java(), javascript: () => javascript(),
  typescript: () => javascript({typescript: true}), php: () => php(),
  python: () => python(), rust: () => rust(),
  clojure: legacy(clojure), cobol: legacy(cobol), coffeescript: legacy(coffeeScript),
  commonlisp: legacy(commonLisp), crystal: legacy(crystal), csharp: legacy(csharp),
  d: legacy(d), dart: legacy(dart), elm: legacy(elm), erlang: legacy(erlang),
  fortran: legacy(fortran), fsharp: legacy(fSharp), groovy: legacy(groovy),
  haskell: legacy(haskell), julia: legacy(julia), kotlin: legacy(kotlin), lua: legacy(lua),
  objectivec: legacy(objectiveC), ocaml: legacy(oCaml), octave: legacy(octave),
  pascal: legacy(pascal), perl: legacy(perl), r: legacy(r), ruby: legacy(ruby),
  scala: legacy(scala), scheme: legacy(scheme), shell: legacy(shell), sml: legacy(sml),
  sql: legacy(sqlite), swift: legacy(swift), tcl: legacy(tcl),
};

const made = new Map();

// The name of the mode of a language (its id, then its extensions), or null (plain text).
export function modeName(id, extensions) {
  if (table.languages[id]) return table.languages[id];
  for (const ext of extensions) if (table.extensions[ext]) return table.extensions[ext];
  return null;
}

// The editor extension that highlights language `id` ([] for plain text).
export function modeFor(id, extensions) {
  const name = modeName(id, extensions);
  if (!name || !MODES[name]) return [];
  if (!made.has(name)) made.set(name, MODES[name]());
  return made.get(name);
}
