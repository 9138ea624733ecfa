"""`make mutation`: how many deliberate slips in the core modules the tests catch (issue #26).

For each module in MODULES, with only the tests that cover it:

* mutmut (configured in pyproject.toml, [tool.mutmut]) changes operators, constants and calls,
  one at a time; it runs in build/mutation/<module>/ with a copy of pyproject.toml that names
  the module (only_mutate) and its tests (pytest_add_cli_args_test_selection);
* this script then makes the mutants mutmut does not: one entry dropped from a module-level
  table (tuple, list, set, frozenset or dict literal), and one alternative dropped from a regular
  expression (``a|b|c`` -> ``a|c``). Each runs the covering tests, in a copy of photoid/.

It prints ``MODULE score NN.N% (killed/total)`` per module and the survivors under it. Mutants
that no test can kill (the program behaves the same) are listed with a reason in
tests/mutation-equivalents.txt and left out of the score.

    python scripts/mutation.py                    # every module (long: see docs/testing.md)
    python scripts/mutation.py workflow text      # some of them
    python scripts/mutation.py --jobs 1 --only tables workflow
"""
from __future__ import annotations

import argparse
import ast
import json
import multiprocessing
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "mutation"
EQUIVALENTS = ROOT / "tests" / "mutation-equivalents.txt"
BIN = Path(sys.executable).parent

#: name -> (files to mutate, relative to the checkout; the tests that cover them)
MODULES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "workflow": (("photoid/contributions/workflow.py",), ("tests/unit/test_workflow.py",)),
    "text": (("photoid/text.py",), ("tests/unit/test_text.py", "tests/unit/test_linkify.py")),
    "edtf": (("photoid/edtf/dates.py", "photoid/edtf/phrases.py"),
             ("tests/unit/test_edtf.py", "tests/unit/test_edtf_phrases.py")),
    "marc": (("photoid/catalog/marc.py",),
             ("tests/unit/test_marc_rda.py", "tests/unit/test_marc_headings.py", "tests/unit/test_marc_roundtrip.py",
              "tests/unit/test_catalog_formats.py", "tests/unit/test_catalog_source_link.py")),
    "mods": (("photoid/catalog/mods.py",),
             ("tests/unit/test_mods_record.py", "tests/unit/test_catalog_formats.py",
              "tests/unit/test_export_consistency.py", "tests/unit/test_catalog_source_link.py")),
    "dublin_core": (("photoid/catalog/dublin_core.py",),
                    ("tests/unit/test_dublin_core_record.py", "tests/unit/test_catalog_formats.py",
                     "tests/unit/test_export_consistency.py", "tests/unit/test_catalog_source_link.py")),
    "records": (("photoid/catalog/records.py",),
                ("tests/unit/test_catalog_records.py", "tests/integration/test_catalog_record_reading.py",
                 "tests/unit/test_catalog_formats.py", "tests/unit/test_marc_rda.py", "tests/unit/test_marc_headings.py",
                 "tests/unit/test_export_consistency.py")),
    "annotations": (("photoid/contributions/annotations.py",),
                    ("tests/unit/test_annotations.py", "tests/unit/test_annotation_fields.py")),
}
LINKED = ("tests", "config.py", "migrations")  # what a scratch checkout needs besides photoid/
KILLED = {"killed", "timeout"}
_PYTEST = ["-m", "pytest", "-x", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", "-p", "no:xdist"]


@dataclass
class Mutant:
    name: str  #: stable id, as listed in tests/mutation-equivalents.txt
    path: str = ""
    source: bytes = b""
    status: str = "not checked"


# --------------------------------------------------------------------------- scratch checkouts
def _scratch(directory: Path, *, copy_photoid: bool) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name in LINKED + (("pyproject.toml",) if copy_photoid else ("photoid",)):
        link = directory / name
        if not link.is_symlink():
            link.symlink_to(ROOT / name)
    if copy_photoid:  # afresh each run: an old copy lacks today's changes, or keeps a mutant an interrupted run left
        shutil.rmtree(directory / "photoid", ignore_errors=True)
        shutil.copytree(ROOT / "photoid", directory / "photoid", ignore=shutil.ignore_patterns("__pycache__"))
    return directory


def _pyproject(files: tuple[str, ...], tests: tuple[str, ...]) -> str:
    text = (ROOT / "pyproject.toml").read_text()
    settings = f"only_mutate = {json.dumps(list(files))}\npytest_add_cli_args_test_selection = {json.dumps(list(tests))}\n"
    assert "[tool.mutmut]\n" in text, "pyproject.toml has no [tool.mutmut] section"
    return text.replace("[tool.mutmut]\n", "[tool.mutmut]\n" + settings, 1)


# --------------------------------------------------------------------------- mutmut
def run_mutmut(name: str, files: tuple[str, ...], tests: tuple[str, ...], jobs: int, *, reuse: bool = False) -> list[Mutant]:
    """mutmut's mutants of ``files`` and what became of each; ``reuse`` reads the last run's results."""
    work = _scratch(BUILD / name, copy_photoid=False)
    if not (reuse and (work / "mutants").is_dir()):
        shutil.rmtree(work / "mutants", ignore_errors=True)  # mutmut keeps old copies of changed sources
        (work / "pyproject.toml").write_text(_pyproject(files, tests))
        log = work / "mutmut.log"
        with log.open("w") as out:
            done = subprocess.run([str(BIN / "mutmut"), "run", "--max-children", str(jobs)], cwd=work, stdout=out,
                                  stderr=subprocess.STDOUT)
        if done.returncode != 0:
            sys.exit(f"mutmut failed on {name} (exit {done.returncode}); see {log}")
    results = subprocess.run([str(BIN / "mutmut"), "results", "--all", "true"], cwd=work, capture_output=True, text=True, check=True)
    mutants = []
    for line in results.stdout.splitlines():
        if m := re.fullmatch(r"\s*(\S+): (.+)", line):
            mutants.append(Mutant(m[1], status=m[2]))
    return mutants


# --------------------------------------------------------------------------- tables and regexes
def _offsets(source: bytes) -> list[int]:
    starts, total = [], 0
    for line in source.splitlines(keepends=True):
        starts.append(total)
        total += len(line)
    return starts


def _span(starts: list[int], node: ast.AST) -> tuple[int, int]:
    return starts[node.lineno - 1] + node.col_offset, starts[node.end_lineno - 1] + node.end_col_offset  # type: ignore[attr-defined,operator]


def _entries(value: ast.expr) -> list[tuple[ast.AST, ast.AST]] | None:
    """The (first, last) node of each entry of a literal table, or None when ``value`` is not one."""
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in {"frozenset", "set", "tuple", "dict"} \
            and len(value.args) == 1 and not value.keywords:
        value = value.args[0]
    if isinstance(value, (ast.Tuple, ast.List, ast.Set)):
        return [(e, e) for e in value.elts]
    if isinstance(value, ast.Dict) and None not in value.keys:
        return list(zip(value.keys, value.values))  # type: ignore[arg-type]
    return None


def table_mutants(path: str) -> list[Mutant]:
    """One mutant per entry of each module-level table, with that entry cut out of the source."""
    source = (ROOT / path).read_bytes()
    starts, mutants = _offsets(source), []
    for statement in ast.parse(source).body:
        if not isinstance(statement, (ast.Assign, ast.AnnAssign)) or statement.value is None:
            continue
        target = statement.targets[0] if isinstance(statement, ast.Assign) else statement.target
        entries = _entries(statement.value)
        if not entries or not isinstance(target, ast.Name) or target.id == "__all__":  # __all__ only names exports
            continue
        spans = [(_span(starts, first)[0], _span(starts, last)[1]) for first, last in entries]
        for i, (start, end) in enumerate(spans):
            cut = (start, spans[i + 1][0]) if i + 1 < len(spans) else ((spans[i - 1][1], end) if i else (start, end))
            text = source[start:end].decode()
            mutants.append(Mutant(f"table:{path}:{target.id}:{_short(text)}", path, source[:cut[0]] + source[cut[1]:]))
    return _unique([m for m in mutants if _compiles(m.source)])


def _alternations(pattern: str) -> list[tuple[list[int], list[int], int]]:
    """Each ``|`` alternation in a pattern: (starts of the alternatives, their ends, end of the group)."""
    found, stack, i, in_class = [], [(0, [])], 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            i += 2 if pattern[i + 1:i + 2] == "^" else 1
            i += 1 if pattern[i:i + 1] == "]" else 0
            continue
        elif c == "(":
            prefix = re.match(r"\?(?:P<\w+>|<=|<!|[:=!])?", pattern[i + 1:])
            i += 1 + (len(prefix[0]) if prefix and pattern[i + 1] == "?" else 0)
            stack.append((i, []))
            continue
        elif c == ")":
            found.append((*stack.pop(), i))
        elif c == "|":
            stack[-1][1].append(i)
        i += 1
    found.append((*stack.pop(), len(pattern)))
    return [([start] + [b + 1 for b in bars], bars + [end], end) for start, bars, end in found if bars]


_RE_CALLS = {"compile", "match", "fullmatch", "search", "sub", "finditer", "findall", "split"}


def regex_mutants(path: str) -> list[Mutant]:
    """One mutant per alternative of each regular expression written as a string in a ``re`` call.

    In an f-string pattern (``rf"^xywh=(?:(pixel|percent):)?{_NUMBER}"``) the alternatives of each
    literal piece that is a whole expression by itself are dropped the same way."""
    source = (ROOT / path).read_bytes()
    starts, mutants = _offsets(source), []
    scopes = [(node.name if isinstance(node, (ast.FunctionDef, ast.ClassDef)) else _assigned(node), node)
              for node in ast.parse(source).body]
    for scope, tree in scopes:
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                 and isinstance(n.func.value, ast.Name) and n.func.value.id == "re" and n.func.attr in _RE_CALLS
                 and n.args and (isinstance(n.args[0], ast.JoinedStr)
                                 or isinstance(n.args[0], ast.Constant) and isinstance(n.args[0].value, str))]
        plain = sorted((n for n in calls if isinstance(n.args[0], ast.Constant)), key=lambda n: (n.lineno, n.col_offset))
        formatted = sorted((n for n in calls if n not in plain), key=lambda n: (n.lineno, n.col_offset))
        for call in plain + formatted:
            literal = call.args[0]
            start, end = _span(starts, literal)
            number = plain.index(call) + 1 if call in plain else formatted.index(call) + 1
            where = scope if len(calls) == 1 else f"{scope}#{'' if call in plain else 'f'}{number}"
            for pattern, write in _pieces(literal, source[start:end]):
                for alt_starts, alt_ends, group_end in _alternations(pattern):
                    for k, (a, b) in enumerate(zip(alt_starts, alt_ends)):
                        mutated = (pattern[:a] + pattern[alt_starts[k + 1]:] if k + 1 < len(alt_starts)
                                   else pattern[:alt_ends[k - 1]] + pattern[group_end:])
                        try:
                            re.compile(mutated)
                        except re.error:
                            continue
                        name = f"regex:{path}:{where}:{_short(pattern[a:b])}"
                        mutants.append(Mutant(name, path, source[:start] + write(mutated) + source[end:]))
    return _unique(mutants)


def _pieces(literal: ast.expr, written: bytes) -> list[tuple[str, Callable[[str], bytes]]]:
    """The patterns to mutate in a string literal, each with how to write the literal with it changed."""
    if isinstance(literal, ast.Constant):
        return [(literal.value, lambda mutated: repr(mutated).encode())]
    pieces = []
    for part in literal.values:  # type: ignore[attr-defined]
        if not (isinstance(part, ast.Constant) and isinstance(part.value, str)):
            continue
        text = part.value.encode()
        try:
            re.compile(part.value)  # a whole expression by itself: its groups open and close in it
        except re.error:
            continue
        if written.count(text) == 1:  # written as it reads (a raw f-string), and only once
            pieces.append((part.value, lambda mutated, text=text: written.replace(text, mutated.encode())))
    return pieces


def _unique(mutants: list[Mutant]) -> list[Mutant]:
    """Number the names that come out the same (the same word in two alternations of one pattern)."""
    seen: dict[str, int] = {}
    for mutant in mutants:
        seen[mutant.name] = seen.get(mutant.name, 0) + 1
        if seen[mutant.name] > 1:
            mutant.name += f" ({seen[mutant.name]})"
    return mutants


def _assigned(node: ast.stmt) -> str:
    if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id
    return f"line{node.lineno}"


def _short(text: str) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= 90 else text[:87] + "...")


def _compiles(source: bytes) -> bool:
    try:
        compile(source, "<mutant>", "exec")
    except SyntaxError:
        return False
    return True


#: Libraries the covering tests import, loaded once by a fork server so that each mutant's pytest
#: starts with them instead of from nothing (about half of a short run's CPU). photoid, config and
#: the tests are never preloaded: each run imports them from its worker's copy.
_PRELOAD = ["pytest", "_pytest.python", "_pytest.fixtures", "flask", "flask.testing", "jinja2", "sqlalchemy",
            "sqlalchemy.orm", "werkzeug", "lxml.etree", "PIL.Image", "flask_sqlalchemy", "flask_login", "flask_wtf",
            "wtforms", "whoosh", "alembic", "psycopg"]  # no pytest plugins: pytest must import those itself


def _pytest_in(work: str, tests: tuple[str, ...], cpu_file: str) -> None:
    """In a process forked from the server: the covering tests of ``work``'s copy, output discarded;
    the process's CPU seconds are written to ``cpu_file``."""
    os.chdir(work)
    sys.path.insert(0, work)
    sys.dont_write_bytecode = True
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    code = 3
    try:
        import pytest

        code = int(pytest.main([*_PYTEST[2:], *tests]))
    finally:
        used = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
        Path(cpu_file).write_text(str(sum(u.ru_utime + u.ru_stime for u in used)))
        sys.exit(code)


def run_own_mutants(name: str, mutants: list[Mutant], tests: tuple[str, ...], jobs: int) -> float:
    """Each mutant in a scratch copy of photoid/ of its own worker; the covering tests stop at the first
    failure. Returns the CPU seconds the test runs took."""
    workers = [_scratch(BUILD / name / f"tables-{n}", copy_photoid=True) for n in range(max(jobs, 1))]
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    cpu = [0.0]

    def run_tests(work: Path, timeout: float | None) -> int | None:
        """pytest's exit status, or None when it ran out of time."""
        cpu_file = work / "cpu.txt"
        cpu_file.unlink(missing_ok=True)
        process = context.Process(target=_pytest_in, args=(str(work), tests, str(cpu_file)))
        process.start()
        process.join(timeout)
        if process.is_alive():
            process.kill()
            process.join()
            return None
        cpu[0] += float(cpu_file.read_text()) if cpu_file.exists() else 0.0
        return process.exitcode

    baseline = time.monotonic()
    if run_tests(workers[0], None) != 0:
        sys.exit(f"The tests for {name} fail without any mutation: run {' '.join(tests)} in {workers[0]}")
    timeout = 5 * (time.monotonic() - baseline) + 30
    canary = Mutant("canary", mutants[0].path, b"raise RuntimeError('the tests must import this copy')\n") if mutants else None
    free = list(workers)

    def run_in(work: Path, mutant: Mutant) -> None:
        target = work / mutant.path
        try:
            target.write_bytes(mutant.source)
            status = run_tests(work, timeout)
            mutant.status = "timeout" if status is None else "survived" if status == 0 else "killed"
        finally:
            shutil.copy2(ROOT / mutant.path, target)

    def check(mutant: Mutant) -> None:
        work = free.pop()
        try:
            run_in(work, mutant)
        finally:
            free.append(work)

    for work in workers if canary else ():
        run_in(work, canary)  # type: ignore[arg-type]
        if canary.status != "killed":  # type: ignore[union-attr]
            sys.exit(f"The tests for {name} passed with {canary.path} broken: they do not import the copy in {work}")  # type: ignore[union-attr]
    with ThreadPoolExecutor(max_workers=len(workers)) as pool:
        list(pool.map(check, mutants))
    return cpu[0]


# --------------------------------------------------------------------------- report
def equivalents() -> dict[str, str]:
    """Mutant id -> why no test can tell it from the original, from tests/mutation-equivalents.txt."""
    listed = {}
    for line in EQUIVALENTS.read_text().splitlines() if EQUIVALENTS.exists() else []:
        if line.strip() and not line.startswith("#"):
            mutant, _, reason = line.partition(" -- ")
            listed[mutant.strip()] = reason.strip()
    return listed


def report(name: str, files: tuple[str, ...], mutants: list[Mutant], excused: dict[str, str]) -> float:
    counted = [m for m in mutants if m.name not in excused and m.status != "skipped"]
    killed = sum(m.status in KILLED for m in counted)
    score = 100 * killed / len(counted) if counted else 100.0
    own = [m for m in counted if m.name.startswith(("table:", "regex:"))]
    module = files[0] if len(files) == 1 else os.path.commonpath(files)
    print(f"{module} score {score:.1f}% ({killed}/{len(counted)})  "
          f"[operators {killed - sum(m.status in KILLED for m in own)}/{len(counted) - len(own)}, "
          f"tables and regexes {sum(m.status in KILLED for m in own)}/{len(own)}, "
          f"{sum(m.name in excused for m in mutants)} equivalent]", flush=True)
    for mutant in counted:
        if mutant.status not in KILLED:
            print(f"    {mutant.status}: {mutant.name}", flush=True)
    return score


def _children_cpu() -> float:
    """CPU seconds used so far by the processes this script waited for (mutmut and its forks, pytest):
    on a busy machine the wall time says little, the CPU time what the run costs."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", metavar="MODULE", help=f"some of: {', '.join(MODULES)} (default: all)")
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("MUTATION_JOBS", "2")),
                        help="mutants tested at once (default 2, or $MUTATION_JOBS)")
    parser.add_argument("--only", choices=["mutmut", "tables"], help="run only mutmut's mutants, or only this script's")
    parser.add_argument("--reuse", action="store_true", help="report mutmut's last results in build/mutation/ instead of running it again")
    parser.add_argument("--list", action="store_true", help="list this script's table and regex mutants, run nothing")
    args = parser.parse_args(argv)
    if unknown := set(args.modules) - set(MODULES):
        parser.error(f"unknown module {', '.join(sorted(unknown))}; choose from {', '.join(MODULES)}")
    excused = equivalents()
    scores = {}
    for name in args.modules or list(MODULES):
        files, tests = MODULES[name]
        if args.list:
            print("\n".join(m.name for path in files for m in table_mutants(path) + regex_mutants(path)))
            continue
        started, cpu = time.monotonic(), _children_cpu()
        mutants = [] if args.only == "tables" else run_mutmut(name, files, tests, args.jobs, reuse=args.reuse)
        if args.only != "mutmut":
            own = [m for path in files for m in table_mutants(path) + regex_mutants(path)]
            cpu -= run_own_mutants(name, own, tests, args.jobs)
            mutants += own
        scores[name] = report(name, files, mutants, excused)
        print(f"    ({name}: {time.monotonic() - started:.0f} s, {_children_cpu() - cpu:.0f} s of CPU)", flush=True)
    return 0 if all(score >= 90 for score in scores.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
