"""Words for states are spelled once, in contributions/workflow.py: no module compares, filters or
stores a state by writing the word itself (a typo there would silently match nothing).

The scan reads every module of photoid/ except workflow.py (migrations live outside photoid/) and
looks for a string equal to a state word where it is used as a state: compared with something
called ``state``/``stance``/``target``/``status`` (or ``status(...)``), inside ``.in_(...)``, given as
``state=``/``target=``/``stance=``/``status=``, as a default of such a parameter, passed to a
workflow move or a claim, or as keys of a dict of states. Other uses of the same words (an audit
action called "spam", an import row "rejected", the words templates show) are not states and pass.
"""
from __future__ import annotations

import ast
import re
from enum import StrEnum
from pathlib import Path

from photoid.contributions import workflow

ROOT = Path(__file__).resolve().parents[2] / "photoid"
WORDS = frozenset(
    member.value
    for value in vars(workflow).values()
    if isinstance(value, type) and issubclass(value, StrEnum) and value is not StrEnum
    for member in value
)
STATE_NAME = re.compile(r"(^|_)(state|stance|target|status)$")
#: Words of other vocabularies that happen to equal a state word: an uploaded file's or an imported
#: row's outcome ("added", "duplicate", "rejected") is the answer to one request, not a record's state.
OTHER_VOCABULARIES = {"photoid/photos/routes.py": {"rejected"}, "photoid/cli.py": {"rejected"},
                      "photoid/photos/iiif_requests.py": {"rejected"}}
STATE_KEYWORDS = {"state", "target", "stance", "status"}
STATE_CALLS = re.compile(r"^(move_identification|move_comment|_claim|_decide_\w+|_commit_decision|_close)$")


def _words_in(node: ast.AST) -> list[ast.Constant]:
    """The state words written in ``node``: a string, or the strings of a tuple, list or set."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in WORDS:
        return [node]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [c for element in node.elts for c in _words_in(element)]
    return []


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _is_state_like(node: ast.AST) -> bool:
    if isinstance(node, ast.Call):
        return _name(node.func).endswith(("status", "state"))
    return bool(STATE_NAME.search(_name(node)))


def state_literals(source: str) -> list[tuple[int, str]]:
    """(line, word) of every state word written where a state is meant."""
    found: list[ast.Constant] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(_is_state_like(o) for o in operands):
                found += [c for o in operands for c in _words_in(o)]
        elif isinstance(node, ast.Call):
            if _name(node.func) == "in_" or STATE_CALLS.match(_name(node.func)):
                found += [c for arg in node.args for c in _words_in(arg)]
            found += [c for kw in node.keywords if kw.arg in STATE_KEYWORDS for c in _words_in(kw.value)]
        elif isinstance(node, ast.Dict):
            keyed = [k for k in node.keys if k is not None and _words_in(k)]
            if len(keyed) >= 2:
                found += [c for k in keyed for c in _words_in(k)]
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and key.value in STATE_KEYWORDS:
                    found += _words_in(value)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            args = [*node.args.posonlyargs, *node.args.args]
            defaults = list(zip(args[len(args) - len(node.args.defaults):], node.args.defaults))
            defaults += [(a, d) for a, d in zip(node.args.kwonlyargs, node.args.kw_defaults) if d is not None]
            found += [c for arg, default in defaults if STATE_NAME.search(arg.arg) for c in _words_in(default)]
        elif isinstance(node, (ast.AnnAssign, ast.Assign)):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            if node.value is not None and any(STATE_NAME.search(_name(t)) for t in targets):
                found += _words_in(node.value)
    return sorted({(c.lineno, c.value) for c in found})


def test_the_scan_finds_state_words_where_states_are_meant() -> None:
    source = '''
if identification.state == "pending": pass
query.where(Comment.state.in_(("published", "pending")))
Report(state="open")
move_identification(item, "retracted", actor=user)
ACTIONS = {("identification", "approved"): 1, ("comment", "published"): 2}
record_event(before={"state": "open"})
def decide(target="rejected"): pass
if target == "approved_with_changes": pass
if service.status(invitation) != "expired": pass
'''
    assert state_literals(source) == [
        (2, "pending"), (3, "pending"), (3, "published"), (4, "open"), (5, "retracted"), (6, "approved"),
        (6, "published"), (7, "open"), (8, "rejected"), (9, "approved_with_changes"), (10, "expired"),
    ]


def test_the_scan_leaves_other_uses_of_the_same_words_alone() -> None:
    source = '''
if action not in ("approve", "reject", "spam"): pass
if outcome.status_code == 404 and kind == "rejected": pass
record_event(action="spam", after={"why": "spam"})
flash("Your comment is published.")
LABELS = {"spam": "Marked as spam"}
'''
    assert state_literals(source) == []


def test_no_state_word_is_written_outside_the_workflow() -> None:
    offences = [
        f"{path.relative_to(ROOT.parent)}:{line}: {word!r}"
        for path in sorted(ROOT.rglob("*.py"))
        if path.name != "workflow.py" or path.parent.name != "contributions"
        for line, word in state_literals(path.read_text(encoding="utf-8"))
        if word not in OTHER_VOCABULARIES.get(str(path.relative_to(ROOT.parent)), ())
    ]
    assert offences == [], "use the StrEnum members and groups of contributions/workflow.py:\n" + "\n".join(offences)


#: In a template: ``x.state == 'pending'``, ``status != 'accepted'``, ``c.state in ('published', 'pending')``.
TEMPLATE_COMPARISON = re.compile(
    r"\b(?:state|status|stance|reason)\s*(?:==|!=|\bnot in\b|\bin\b)\s*\(?\s*((?:'[a-z_]+'\s*,?\s*)+)\)?"
)


def template_state_literals(text: str) -> list[tuple[int, str]]:
    """(line, word) of a state word a template compares a state with; display words are left alone."""
    return [
        (text.count("\n", 0, match.start()) + 1, word)
        for match in TEMPLATE_COMPARISON.finditer(text)
        for word in re.findall(r"'([a-z_]+)'", match.group(1))
        if word in WORDS
    ]


def test_templates_compare_states_with_the_workflow_names() -> None:
    """Templates use the enums and groups templating.py passes in (IdentificationState.PENDING, COMMENT_OPEN)."""
    assert template_state_literals("{% if f.state != 'approved' %}{% if c.state in ('published', 'pending') %}") == [
        (1, "approved"), (1, "published"), (1, "pending")]
    assert template_state_literals("<p>Your comment is published.</p>{% if reason == 'unknown' %}") == []
    offences = [
        f"{path.relative_to(ROOT.parent)}:{line}: {word!r}"
        for path in sorted(ROOT.rglob("*.html"))
        for line, word in template_state_literals(path.read_text(encoding="utf-8"))
    ]
    assert offences == [], "compare with IdentificationState.…, CommentState.…, COMMENT_OPEN…:\n" + "\n".join(offences)
