"""config.py is the one source of every setting and its default, and every setting is documented."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from flask import Flask

from config import Config

ROOT = Path(__file__).resolve().parents[2]
ENV = re.compile(r"PHOTOID_[A-Z0-9_]+")


def _settings() -> dict[str, set[str]]:
    """Each key ``Config`` sets, with the PHOTOID_ variables it is read from (directly, through a
    local name, another setting, or a helper function of config.py)."""
    tree = ast.parse((ROOT / "config.py").read_text())
    helpers = {node.name: set(ENV.findall(ast.unparse(node))) for node in tree.body if isinstance(node, ast.FunctionDef)}
    init = next(node for cls in tree.body if isinstance(cls, ast.ClassDef) and cls.name == "Config"
                for node in cls.body if isinstance(node, ast.FunctionDef) and node.name == "__init__")
    local: dict[str, set[str]] = {}
    keys: dict[str, set[str]] = {}
    for statement in ast.walk(init):
        if not isinstance(statement, ast.Assign):
            continue
        found = set(ENV.findall(ast.unparse(statement.value)))
        for node in ast.walk(statement.value):
            if isinstance(node, ast.Name):
                found |= local.get(node.id, set()) | helpers.get(node.id, set())
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
                found |= keys.get(node.attr, set())
        for target in statement.targets:
            if isinstance(target, ast.Attribute):
                keys[target.attr] = found
            elif isinstance(target, ast.Name):
                local[target.id] = found
    return keys


def _configuration_section() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]


def test_every_setting_of_config_py_is_documented() -> None:
    settings = _settings()
    assert {"PAGE_CACHE_ENTRIES", "MODERATION_PER_PAGE", "IMPACT_CACHE_SECONDS", "PROFILES_PER_PAGE"} <= set(settings)
    docs = _configuration_section()
    rows = {line for line in docs.splitlines() if line.startswith("| `")}
    undocumented = sorted(
        name for key, variables in settings.items()
        for name in (variables or {key})
        if not any(f"`{name}`" in row.split(" | ")[0] for row in rows)
    )
    assert undocumented == []


def test_every_setting_the_code_reads_is_defined_in_config_py(tmp_path: Path) -> None:
    defined = set(vars(Config(instance_dir=tmp_path))) | set(Flask.default_config)
    read = {(path.relative_to(ROOT), key) for path in (ROOT / "photoid").rglob("*.py")
            for key in re.findall(r"config\[[\"']([A-Z][A-Z0-9_]*)[\"']\]", path.read_text())}
    assert read and sorted((str(path), key) for path, key in read if key not in defined) == []


def test_no_module_repeats_a_default_when_reading_a_setting() -> None:
    repeated = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
                for path in sorted((ROOT / "photoid").rglob("*.py"))
                for number, line in enumerate(path.read_text().splitlines(), 1)
                if re.search(r"\.config\.get\([^()]*,", line) or re.search(r"\bconfig\.get\([^()]*,", line)]
    assert repeated == []
