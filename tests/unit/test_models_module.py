"""photoid/models.py imports every model, as its docstring says (Alembic compares the metadata it fills)."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "photoid"


def _models_defined() -> dict[str, str]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                    isinstance(item, (ast.Assign, ast.AnnAssign)) and "__tablename__" in ast.unparse(item).split("=")[0]
                    for item in node.body):
                found[node.name] = str(path.relative_to(PACKAGE.parent))
    return found


def test_models_module_imports_every_model() -> None:
    tree = ast.parse((PACKAGE / "models.py").read_text(encoding="utf-8"))
    imported = {alias.asname or alias.name for node in tree.body if isinstance(node, ast.ImportFrom) for alias in node.names}
    defined = _models_defined()
    assert len(defined) > 15
    assert {name: where for name, where in defined.items() if name not in imported} == {}
