"""The ``labourlink`` entry point: usage errors and help texts."""

from __future__ import annotations

import re
import subprocess
import sys

from typer.testing import CliRunner

ENTRY = "import sys; from labourlink.cli import main; sys.argv[0] = 'labourlink'; main()"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", ENTRY, *args], capture_output=True, text=True,
                          timeout=120)


def test_unknown_command_is_a_usage_error_not_a_traceback() -> None:
    res = run("countries", "list")
    assert res.returncode == 2
    assert "No such command 'list'" in res.stderr
    assert "Try 'labourlink countries --help' for help." in res.stderr
    assert "Traceback" not in res.stderr


def test_unknown_option_names_the_option_and_suggests_one() -> None:
    res = run("trends", "overview", "--yearx", "2024")
    assert res.returncode == 2
    assert "No such option: --yearx" in res.stderr and "--year" in res.stderr
    assert "Traceback" not in res.stderr


def test_defaults_written_in_help_texts_are_shown() -> None:
    from labourlink.cli import app

    out = CliRunner().invoke(app, ["flows", "estimate", "--help"], env={"COLUMNS": "200"}).output
    flat = re.sub(r"\s+", " ", out.replace("│", " "))
    assert "(never mixed) [default: the newest in the store]." in flat
    assert "[default: every period]." in flat
    assert " ." not in flat.replace("...", "")  # no default stripped out as markup
