"""docs/architecture.md names only files and modules that exist.

The page answers "where do we decide X?" for a newcomer; a name in it that no longer exists sends
them nowhere. Every code-formatted path (`chalicelib/...`, `infra/...`, `services/x.py`,
`data/x.json`, ...) and dotted module (`chalicelib.x.y`) on the page must resolve in the tree.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "architecture.md"

#: where a short path on the page (`services/intake.py`, `data/units.json`) is read from
SHORT_ROOTS = (ROOT, ROOT / "chalicelib")
CODE = re.compile(r"`([^`\s]+)`")
PATHLIKE = re.compile(r"^[\w.\-*<>/]+\.(py|json|md|geojson|html|js|css)$|^[\w\-]+(/[\w.\-*<>]+)+/?$")
MODULE = re.compile(r"^chalicelib(\.\w+)+$")


def named_paths(text: str) -> set[str]:
    found: set[str] = set()
    for token in CODE.findall(text):
        token = token.rstrip(".,;:")
        if token.startswith(("http", "/v1", "/open311", "GET", "POST")) or token.startswith("/"):
            continue
        if MODULE.match(token) or PATHLIKE.match(token):
            found.add(token)
    return found


def exists(name: str) -> bool:
    if MODULE.match(name):
        rel = name.replace(".", "/")
        return (ROOT / f"{rel}.py").exists() or (ROOT / rel / "__init__.py").exists()
    if any(ch in name for ch in "*<>"):  # a pattern: one file must match it
        pattern = re.sub(r"<[^>]+>", "*", name)
        return any(any(base.glob(pattern)) for base in SHORT_ROOTS)
    return any((base / name).exists() for base in SHORT_ROOTS)


def test_the_page_names_paths() -> None:
    """The check reads something: the page names many files (a broken pattern would pass vacuously)."""
    assert len(named_paths(PAGE.read_text(encoding="utf-8"))) > 40


def test_every_named_file_and_module_exists() -> None:
    missing = sorted(n for n in named_paths(PAGE.read_text(encoding="utf-8")) if not exists(n))
    assert not missing, f"docs/architecture.md names what does not exist: {missing}"


def test_a_missing_name_is_caught() -> None:
    assert not exists("chalicelib/services/no_such_service.py")
    assert not exists("chalicelib.no_such_module")
    assert "chalicelib/no_such.py" in named_paths("see `chalicelib/no_such.py`.")
