"""The command line reaches graphnas only through graphnas.api (lint-imports checks it too)."""

import ast
from pathlib import Path

CLI = Path(__file__).resolve().parents[2] / "src" / "graphnas" / "cli"


def graphnas_imports(path: Path) -> list[tuple[str, tuple[str, ...]]]:
    """(module, names) of every absolute import of graphnas in a file, nested ones included."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [(a.name, ()) for a in node.names if a.name.split(".")[0] == "graphnas"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and \
                node.module.split(".")[0] == "graphnas":
            out.append((node.module, tuple(a.name for a in node.names)))
    return out


def test_the_cli_imports_only_the_api():
    files = sorted(CLI.glob("*.py"))
    assert {"app.py", "search_cmd.py", "show_cmd.py", "train_cmd.py"} <= {f.name for f in files}
    for f in files:
        for module, names in graphnas_imports(f):
            ok = (module == "graphnas.api" or module.startswith("graphnas.api.")
                  or (module == "graphnas" and names == ("__version__",)))
            assert ok, f"{f.name} imports {module} {names}: go through graphnas.api"
