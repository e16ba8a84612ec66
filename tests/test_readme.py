"""The README's command synopses match the options the CLI really has (`--help`)."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from ofsted_lists.cli import app

README = Path(__file__).resolve().parents[1] / "README.md"
PROG = "ofsted-lists"
GROUP = ""  # the synopsis of `ofsted-lists` itself (options before any command)


def _synopses(text: str) -> dict[str, set[str]]:
    """Command -> option names in the first code block under "## Commands"; a line that does
    not start with the program name continues the synopsis above it."""
    section = text.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```", 2)[1]
    found: dict[str, set[str]] = {}
    current = None
    for line in block.splitlines():
        words = line.split()
        if not words:
            continue
        if words[0] == PROG:
            current = GROUP if len(words) == 1 or words[1].startswith("-") else words[1]
            assert current not in found, f"README: two synopses of `{PROG} {current}`"
            found[current] = set()
        assert current is not None, f"README synopsis block: {line!r} comes before any `{PROG}` line"
        found[current] |= set(re.findall(r"(?<![\w-])--?[A-Za-z][\w-]*", line))
    return found


def _options(command) -> list[tuple[str, ...]]:
    """Each option's names (`("--input", "-i")`) of a click command, --help left out."""
    # Duck-typed: typer may bring its own copy of click, whose classes are not click's.
    return [tuple(p.opts + p.secondary_opts) for p in command.params
            if p.param_type_name == "option" and "--help" not in p.opts]


def _problems(commands: dict, synopses: dict[str, set[str]]) -> list[str]:
    """What differs between the CLI's commands (name -> click command) and the synopses."""
    out = [f"README has no synopsis of `{f'{PROG} {name}'.strip()}`" for name in commands if name not in synopses]
    out += [f"README has a synopsis of `{PROG} {name}`, a command the CLI does not have"
            for name in synopses if name not in commands]
    for name, command in commands.items():
        if name not in synopses:
            continue
        label, shown, options = f"`{f'{PROG} {name}'.strip()}`", synopses[name], _options(command)
        missing = ["/".join(o) for o in options if not shown & set(o)]
        extra = sorted(shown - {n for o in options for n in o})
        if missing:
            out.append(f"README synopsis of {label} lacks {', '.join(missing)}")
        if extra:
            out.append(f"README synopsis of {label} shows {', '.join(extra)}, which the command does not have")
    return out


def _commands() -> dict:
    group = typer.main.get_command(app)
    return {GROUP: group, **group.commands}


def test_readme_synopses_show_exactly_the_options_of_every_command():
    problems = _problems(_commands(), _synopses(README.read_text(encoding="utf-8")))
    assert not problems, "\n".join(problems) + "\n(update the block under README's \"## Commands\")"


def test_synopsis_check_names_missing_and_extra_options_and_commands():
    text = ("x\n## Commands\n\n```\nofsted-lists --version\nofsted-lists validate [--input DIR] [-q]\n"
            "                      [--bogus] [--as-of DATE]\nofsted-lists extra [--x]\n```\n\n## Next\n")
    synopses = _synopses(text)
    assert synopses == {GROUP: {"--version"}, "validate": {"--input", "-q", "--bogus", "--as-of"}, "extra": {"--x"}}
    problems = _problems(_commands(), synopses)
    assert "README has no synopsis of `ofsted-lists build`" in problems
    assert "README has a synopsis of `ofsted-lists extra`, a command the CLI does not have" in problems
    assert ("README synopsis of `ofsted-lists validate` lacks --config/-c, --profile, --since, --allow-missing, --strict, "
            "--fail-on, --verbose/-v") in problems
    assert "README synopsis of `ofsted-lists validate` shows --bogus, which the command does not have" in problems
    assert not any("`ofsted-lists`" in p for p in problems)  # --version shown: the group is right
