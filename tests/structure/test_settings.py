"""Every knob is a field of `lambdachat.config.Settings`, read from the environment there and nowhere
else, and the README's configuration tables are exactly what that definition generates."""

from __future__ import annotations

import ast
import re
from dataclasses import fields
from pathlib import Path

import pytest
from lambdachat.config import Settings, markdown_tables

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "functions" / "lambdachat"
WRITES = {"setdefault", "update", "pop"}   # setting variables for a child process or a library is fine


def environment_reads(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(), str(path))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "os" \
                and node.attr in {"environ", "getenv", "environb"}:
            parent = parents.get(node)
            writes = (isinstance(parent, ast.Attribute) and parent.attr in WRITES) or \
                (isinstance(parent, ast.Subscript) and isinstance(parent.ctx, ast.Store | ast.Del))
            if not writes:
                lines.append(node.lineno)
    return sorted(lines)


def test_only_the_settings_module_reads_the_environment():
    readers = {str(p.relative_to(PACKAGE)): lines for p in PACKAGE.rglob("*.py")
               if p.name != "config.py" or p.parent != PACKAGE if (lines := environment_reads(p))}
    assert readers == {}


def test_the_reader_finds_reads_and_allows_writes(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("import os\na = os.environ.get('X')\nb = os.environ['Y']\nc = 'Z' in os.environ\n"
                      "d = os.getenv('W')\nos.environ['V'] = '1'\nos.environ.setdefault('U', '1')\n")
    assert environment_reads(source) == [2, 3, 4, 5]


def test_every_knob_names_its_variable_section_and_meaning():
    knobs = [f for f in fields(Settings) if "family" not in f.metadata]
    names = [f.metadata["env"] for f in knobs]
    assert len(names) == len(set(names))
    assert all(f.metadata["section"] and len(f.metadata["doc"]) >= 8 for f in knobs)


def test_the_readme_tables_are_generated_from_the_settings():
    readme = (REPO / "README.md").read_text()
    generated = re.search(r"<!-- settings:begin -->\n(.*?)<!-- settings:end -->", readme, re.S)
    assert generated is not None, "README.md lacks the <!-- settings:begin/end --> markers"
    assert generated.group(1) == markdown_tables(), \
        "README.md is out of date: python -m lambdachat.config > the part between the markers"


def test_values_are_typed_and_a_bad_one_names_its_variable():
    settings = Settings.from_env({"LAMBDACHAT_MEMORY_MAX_PER_USER": "7", "LAMBDACHAT_RATE_LIMITS": "off",
                                  "LAMBDACHAT_STREAM_TIMEOUT": "2.5", "LAMBDACHAT_MODE": "LOCAL",
                                  "LAMBDACHAT_RATE_CONVERSATION_BURST": "3", "OPENAI_API_KEY": "sk-x"})
    assert (settings.memory_max_per_user, settings.rate_limits_on, settings.stream_timeout) == (7, False, 2.5)
    assert settings.local and settings.max_request_bytes == 100 * 1024 * 1024
    assert settings.rate_overrides == {"LAMBDACHAT_RATE_CONVERSATION_BURST": 3}
    assert settings.provider_variable("OPENAI_API_KEY") == "sk-x"
    assert "sk-x" not in repr(settings)
    for name, raw in [("LAMBDACHAT_MEMORY_MAX_PER_USER", "many"), ("LAMBDACHAT_RATE_LIMITS", "perhaps"),
                      ("LAMBDACHAT_AUTH", "root"), ("LAMBDACHAT_MEDIA_SERVE", "ftp")]:
        with pytest.raises(RuntimeError, match=name):
            Settings.from_env({name: raw})
