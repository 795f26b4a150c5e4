"""Every environment variable wizard/settings.py reads is documented in settings.ENVIRONMENT (which
`musekit --help` prints) and in the README; the data dir's contents are listed too."""

from __future__ import annotations

import ast
from pathlib import Path

from wizard import settings

SETTINGS = Path(settings.__file__)
README = Path(__file__).resolve().parents[2] / "README.md"


def _constants(tree: ast.Module) -> dict[str, str]:
    return {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def _environment_reads() -> set[str]:
    """The names passed to `_env(...)`, `os.environ.get(...)`, `os.getenv(...)` or `os.environ[...]`."""
    tree = ast.parse(SETTINGS.read_text())
    constants = _constants(tree)

    def name_of(node: ast.expr) -> str:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name) and node.id in constants:
            return constants[node.id]
        raise AssertionError(f"settings.py line {node.lineno}: an environment read whose name is not a constant")

    reads: set[str] = set()
    # `_env(name)` itself is the one generic reader: what counts is what it is called with
    reader = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "_env")
    inside_reader = {id(n) for n in ast.walk(reader)}
    for node in ast.walk(tree):
        if id(node) in inside_reader:
            continue
        if isinstance(node, ast.Call) and node.args:
            func = ast.unparse(node.func)
            if func in ("_env", "os.environ.get", "os.getenv"):
                reads.add(name_of(node.args[0]))
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            reads.add(name_of(node.slice))
    return reads


def test_the_reads_are_found():
    reads = _environment_reads()
    assert {"SUPABASE_ACCESS_TOKEN", "MUSEKIT_DATA_DIR", "MUSEKIT_EXIT_AFTER_FIRST_PAINT"} <= reads
    assert len(reads) >= 10


def test_every_variable_read_is_documented_once():
    documented = [name for name, _ in settings.ENVIRONMENT]
    assert len(documented) == len(set(documented)), "a variable is listed twice"
    missing = _environment_reads() - set(documented)
    assert not missing, f"read in settings.py but not in settings.ENVIRONMENT: {sorted(missing)}"
    assert all(meaning.strip() for _, meaning in settings.ENVIRONMENT)


def test_every_env_constant_is_read():
    """A *_ENV constant documented but never read would be a promise musekit does not keep."""
    env_constants = {v for k, v in _constants(ast.parse(SETTINGS.read_text())).items() if k.endswith("_ENV")}
    assert env_constants <= _environment_reads()
    assert {name for name, _ in settings.ENVIRONMENT} <= env_constants


def test_the_readme_documents_every_variable_and_the_state():
    text = README.read_text()
    for name, _ in settings.ENVIRONMENT:
        assert f"`{name}`" in text, f"README.md does not document {name}"
    for entry, _ in settings.STATE:
        assert f"`{entry}`" in text, f"README.md does not say what {entry} in the data dir is"
    assert "musekit sandbox --reset" in text and "make clean" in text


def test_the_readme_leads_with_two_commands():
    text = README.read_text()
    first_block = text.split("```sh\n", 1)[1].split("```", 1)[0]
    assert [line.split("#")[0].strip() for line in first_block.strip().splitlines()] == ["make demo", "make test"]
