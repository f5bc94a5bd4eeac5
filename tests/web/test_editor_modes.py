"""The code editor's table of syntax modes (web/editor/modes.json) covers every language of
rootfs-templates/, and names only modes that web/editor/src/modes.js defines. (That each mode
highlights its language's self-test program in a real browser: tests/web/test_browser.py.)"""

from __future__ import annotations

import json
import re
from pathlib import Path

from worker.core.languages import all_languages

EDITOR = Path(__file__).parent.parent.parent / "web" / "editor"
TABLE = json.loads((EDITOR / "modes.json").read_text())


def mode_of(language) -> str | None:
    """The mode the editor gives ``language``, as src/modes.js's modeName() finds it."""
    if language.id in TABLE["languages"]:
        return TABLE["languages"][language.id]
    return next((TABLE["extensions"][e] for e in language.extensions
                 if e in TABLE["extensions"]), None)


def test_every_language_has_a_mode_or_is_plain_on_purpose():
    missing = [lang.id for lang in all_languages()
               if mode_of(lang) is None and lang.id not in TABLE["plain"]]
    assert not missing, (f"add these languages to web/editor/modes.json ('languages', or "
                         f"'plain' when CodeMirror has no mode for them): {missing}")


def test_the_table_names_only_modes_the_editor_defines():
    source = (EDITOR / "src" / "modes.js").read_text()
    block = source[source.index("export const MODES = {"):source.index("};", source.index(
        "export const MODES = {"))]
    defined = set(re.findall(r"(\w+): ", block))
    named = set(TABLE["languages"].values()) | set(TABLE["extensions"].values())
    assert named <= defined, f"modes.json names modes modes.js lacks: {named - defined}"
    assert not set(TABLE["plain"]) & set(TABLE["languages"])
