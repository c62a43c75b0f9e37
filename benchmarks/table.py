"""The README's figures, written from the stored results (benchmarks/results/*.json), never by hand.

Every row says when and at which commit it was measured. A result is marked stale, visibly, when
its commit is not in the history of HEAD (the branch moved on without it, or was rewritten) or
when its benchmark's module changed since it ran: its figure no longer describes this code.

    python -m benchmarks.table            rewrite the section between the README's markers
    python -m benchmarks.table --check    exit 1 if the README is not what the results give
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks.catalog import BY_NAME, CATALOG, README, RESULTS, ROOT
from benchmarks.schema import met, problems

BEGIN = "<!-- figures:begin -->"
END = "<!-- figures:end -->"
HAND = "hand-recorded, before generated figures"


class GitUnavailable(RuntimeError):
    """No git, no repository, or a shallow one: a result's commit cannot be checked."""


def git(*args: str, root: Path = ROOT) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False)
    except OSError as exc:
        raise GitUnavailable(str(exc)) from exc


def head_state(root: Path = ROOT) -> tuple[str, bool]:
    """The short commit of HEAD and whether the tree differs from it (results and README aside: outputs)."""
    head = git("rev-parse", "--short", "HEAD", root=root)
    if head.returncode != 0:
        raise GitUnavailable(head.stderr.strip())
    status = git(
        "status",
        "--porcelain",
        "--",
        ".",
        ":(exclude)benchmarks/results",
        ":(exclude)benchmarks/README.md",
        root=root,
    )
    return head.stdout.strip(), bool(status.stdout.strip())


def blob_sha1(path: Path) -> str | None:
    """The file's git blob id (what `git hash-object` prints), or None if it is gone."""
    if not path.exists():
        return None
    data = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def stale_reasons(res: dict[str, Any], root: Path = ROOT) -> list[str]:
    """Why a measured result no longer describes this tree; empty when it still does."""
    rec = res.get("recorded", {})
    out: list[str] = []
    commit = rec.get("commit")
    if commit:
        if git("rev-parse", "--is-shallow-repository", root=root).stdout.strip() == "true":
            raise GitUnavailable("shallow clone: history incomplete")
        known = git("cat-file", "-e", f"{commit}^{{commit}}", root=root).returncode == 0
        if not known or git("merge-base", "--is-ancestor", commit, "HEAD", root=root).returncode != 0:
            out.append(f"`{commit}` is not in this branch's history")
    module, sha = rec.get("module"), rec.get("module_sha1")
    if module and sha and blob_sha1(root / module) != sha:
        out.append(f"`{Path(module).name}` changed since")
    return out


def load(results: Path = RESULTS) -> list[dict[str, Any]]:
    """Every stored result, in catalog order (anything else after, by name)."""
    found = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(results.glob("*.json"))}
    for name, res in found.items():
        bad = problems(res) + ([] if res.get("benchmark") == name else [f"file name is not {res.get('benchmark')}"])
        if "recorded" not in res:
            bad.append("no `recorded` block")
        if bad:
            raise ValueError(f"{results / (name + '.json')}: " + "; ".join(bad))
    order = [b.name for b in CATALOG if b.name in found] + sorted(n for n in found if n not in BY_NAME)
    return [found[n] for n in order]


def _number(value: float | int) -> str:
    return f"{value:,}"


def _amount(value: float | int, unit: str) -> str:
    return f"{_number(value)}x" if unit == "x" else f"{_number(value)} {unit}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _value(fig: dict[str, Any]) -> str:
    if fig.get("value") is None:
        low, high = fig["range"]
        return f"{_number(low)} - {_amount(high, fig['unit'])} (range over the recorded runs)"
    text = _amount(fig["value"], fig["unit"])
    if fig.get("range"):
        low, high = fig["range"]
        text += f" (runs: {_number(low)} - {_number(high)})"
    return f"**{text}**" if fig.get("target") else text


def _target(fig: dict[str, Any]) -> str:
    target = fig.get("target")
    if target is None:
        return ""
    text = f"{target['op']} {_amount(target['value'], fig['unit'])}"
    verdict = met(fig)
    return text if verdict is None else f"{text}: met" if verdict else f"{text}: **not met**"


def _measured(rec: dict[str, Any], stale: list[str]) -> str:
    date = rec.get("date") or "date unknown"
    if rec.get("source") == "hand-recorded":
        where = f" (README at `{rec['readme_commit']}`)" if rec.get("readme_commit") else ""
        return f"{date}, {HAND}{where}"
    text = f"{date}, `{rec['commit']}`"
    if rec.get("dirty"):
        text += " with uncommitted changes"
    if stale:
        text += ": **stale**, " + "; ".join(stale)
    return text


def _about(res: dict[str, Any]) -> str:
    rec = res["recorded"]
    parts = [f"`{res['command']}`"]
    if res["samples"]:
        parts.append(", ".join(f"{k.replace('_', ' ')}: {_number(v)}" for k, v in res["samples"].items()))
    machine = rec.get("machine")
    if machine:
        parts.append(
            f"{machine['cpus']} CPUs, load {machine['load_1m']:.1f}, Python {machine['python']}"
            if "load_1m" in machine
            else ", ".join(f"{k} {v}" for k, v in machine.items())
        )
    if rec.get("wall_s") is not None:
        parts.append(f"run took {_number(rec['wall_s'])} s")
    return " · ".join(parts)


def render(results: list[dict[str, Any]], stale: dict[str, list[str]]) -> str:
    """The section between the markers: one table per benchmark, each row with its date and commit."""
    lines = [
        BEGIN,
        "<!-- Written by `python -m benchmarks.table` from benchmarks/results/*.json; do not edit by hand. -->",
        "",
    ]
    for res in results:
        rec = res["recorded"]
        reasons = stale.get(res["benchmark"], [])
        lines += [f"### {res['title']} (`{res['benchmark']}`)", "", _about(res), ""]
        lines += ["| figure | value | target | measured |", "|---|---|---|---|"]
        for fig in res["figures"]:
            when = {**rec, **fig.get("recorded", {})}
            row = [fig["label"], _value(fig), _target(fig), _measured(when, reasons)]
            lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
        if res["notes"]:
            lines.append("")
            lines += [f"- {_cell(n)}" for n in res["notes"]]
        lines.append("")
    lines.append(END)
    return "\n".join(lines)


def generated(results: Path = RESULTS, root: Path = ROOT) -> str:
    stored = load(results)
    return render(stored, {r["benchmark"]: stale_reasons(r, root) for r in stored})


def splice(text: str, section: str) -> str:
    """`text` with the part from BEGIN to END (markers included) replaced by `section`."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"README has no {BEGIN} ... {END} section")
    return text[:start] + section + text[end + len(END) :]


def write(readme: Path = README) -> bool:
    """Rewrite the README's figures; True if it changed."""
    old = readme.read_text(encoding="utf-8")
    new = splice(old, generated())
    if new != old:
        readme.write_text(new, encoding="utf-8")
    return new != old


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 if the README's figures are not generated")
    args = parser.parse_args(argv)
    if args.check:
        text = README.read_text(encoding="utf-8")
        if splice(text, generated()) != text:
            print("benchmarks/README.md: figures differ from benchmarks/results (python -m benchmarks.table)")
            return 1
        return 0
    print("benchmarks/README.md: " + ("figures rewritten" if write() else "figures unchanged"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
