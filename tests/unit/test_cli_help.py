"""Every `musekit` command's --help ends with examples and its exit codes (nested `muses`
subcommands too), and the top-level help lists every environment variable and the data dir."""

from __future__ import annotations

import argparse

import pytest

from wizard import settings
from wizard.cli import build_parser


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found[name] = sub
                found.update({f"{name} {k}": v for k, v in _subparsers(sub).items()})
    return found


COMMANDS = _subparsers(build_parser())


def test_every_registered_command_is_walked():
    assert {"clone", "resume", "status", "localdb", "sandbox", "muses list", "muses new"} <= set(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_help_has_examples_and_exit_codes(name):
    text = COMMANDS[name].format_help()
    assert "examples:" in text, f"`musekit {name} --help` has no examples"
    assert "exit codes:" in text, f"`musekit {name} --help` has no exit codes"
    examples = text[text.index("examples:") :]
    assert f"musekit {name}" in examples, f"`musekit {name} --help`'s examples don't show the command itself"


@pytest.mark.parametrize("name", ["localdb", "sandbox"])
def test_long_running_commands_say_how_they_end(name):
    codes = COMMANDS[name].format_help().split("exit codes:")[1]
    assert "Ctrl-C" in codes, f"`musekit {name}`'s exit codes don't say what stopping it returns"


def test_top_level_help_lists_every_environment_variable_and_the_state():
    text = build_parser().format_help()
    for name, meaning in settings.ENVIRONMENT:
        assert name in text, name
        assert meaning.split("(")[0].strip()[:40] in " ".join(text.split()), meaning
    assert str(settings.data_dir()) in text
    assert "musekit sandbox --reset" in text and "make clean" in text


@pytest.mark.parametrize("name", sorted(n for n in COMMANDS if " " not in n))
def test_a_command_alone_parses_and_helps_as_among_all(name):
    """`musekit <command> …` registers that command only (see cli._main): the same parser as in the full set."""
    alone = _subparsers(build_parser(only=name))
    assert sorted(alone) == sorted(n for n in COMMANDS if n == name or n.startswith(f"{name} "))
    for sub, parser in alone.items():
        assert parser.format_help() == COMMANDS[sub].format_help()
