"""How the ``losscli`` process ends: the command's exit code, all of its output
and the caller's exit handlers, without the interpreter's teardown."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from conftest import write_csv

import losscli
import losscli.cli as cli

REPO = Path(__file__).resolve().parents[1]


class _Ended(Exception):
    """Stands in for the end of the process inside the test's own process."""


@pytest.fixture()
def ended(monkeypatch) -> dict[str, object]:
    record: dict[str, object] = {"handlers_ran": False}

    def end_process(code: int) -> None:
        record["code"] = code
        raise _Ended

    def run_handlers() -> None:
        record["handlers_ran"] = True

    monkeypatch.setattr(cli.os, "_exit", end_process)
    monkeypatch.setattr(cli.atexit, "_run_exitfuncs", run_handlers)
    return record


def _run_process_entry(monkeypatch, arguments: list[str]) -> None:
    monkeypatch.setattr(sys, "argv", ["losscli", *arguments])
    with pytest.raises(_Ended):
        cli.run()


@pytest.fixture()
def small_csv(tmp_path: Path) -> Path:
    # mse by hand: ((1.5-1)^2 + (1-2)^2) / 2 = (0.25 + 1) / 2 = 0.625
    return write_csv(tmp_path / "small.csv", {"y_true": [1.0, 2.0], "y_pred": [1.5, 1.0]})


@pytest.mark.parametrize(
    ("extra", "expected_code"),
    [([], 0), (["--fail-above", "mse=0.5"], 1), (["--fail-below", "mse=0.5"], 0)],
)
def test_the_process_ends_with_the_commands_exit_code_after_its_output(monkeypatch, capsys, ended, small_csv, extra, expected_code):
    _run_process_entry(monkeypatch, ["compute", str(small_csv), "--loss", "mse", "--format", "json", *extra])
    assert ended == {"code": expected_code, "handlers_ran": True}
    assert json.loads(capsys.readouterr().out)["results"][0]["value"] == pytest.approx(0.625, rel=1e-12)


def test_the_process_ends_with_code_2_on_bad_input(monkeypatch, capsys, ended, tmp_path):
    _run_process_entry(monkeypatch, ["compute", str(tmp_path / "missing.csv"), "--loss", "mse"])
    assert ended["code"] == 2
    assert "file not found" in capsys.readouterr().err


def test_an_exit_with_a_message_prints_it_and_ends_with_code_1(monkeypatch, capsys, ended):
    def stop_with_message(**_: object) -> None:
        raise SystemExit("stopped by a plugin")

    monkeypatch.setattr(cli, "app", stop_with_message)
    _run_process_entry(monkeypatch, [])
    assert ended["code"] == 1
    assert capsys.readouterr().err == "stopped by a plugin\n"


def test_the_process_keeps_piped_output_and_runs_the_callers_exit_handlers(small_csv):
    runner = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('exit handler ran', file=sys.stderr))\n"
        "sys.argv = ['losscli'] + sys.argv[1:]\n"
        "from losscli.cli import run\n"
        "run()\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "LOSSCLI_DEBUG"}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run(
        [sys.executable, "-c", runner, "compute", str(small_csv), "--loss", "mse", "--format", "json", "--fail-above", "mse=0.5"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 1
    assert json.loads(done.stdout)["results"][0]["value"] == pytest.approx(0.625, rel=1e-12)
    assert done.stderr.splitlines() == ["error: mse = 0.625 is above the threshold 0.5", "exit handler ran"]


def test_main_returns_control_to_a_caller_in_the_same_process(monkeypatch, capsys, small_csv):
    # Only the process entry ends the process; main() raises SystemExit as click programs do.
    monkeypatch.setattr(sys, "argv", ["losscli", "compute", str(small_csv), "--loss", "mse", "--format", "json"])
    with pytest.raises(SystemExit) as stop:
        cli.main()
    assert stop.value.code == 0
    assert json.loads(capsys.readouterr().out)["results"][0]["value"] == pytest.approx(0.625, rel=1e-12)


def test_main_leaves_the_callers_runtime_warnings_on(monkeypatch, capsys, small_csv):
    # The CLI keeps numpy's RuntimeWarnings off stderr for its own run only: the
    # calling program, and losscli's Python API in it, must still warn afterwards.
    monkeypatch.setattr(sys, "argv", ["losscli", "compute", str(small_csv), "--loss", "mse", "--quiet"])
    filters = list(warnings.filters)
    with pytest.raises(SystemExit):
        cli.main()
    capsys.readouterr()
    assert warnings.filters == filters
    # record=True adds no filter of its own, so a filter left behind would hide the warning.
    with warnings.catch_warnings(record=True) as caught:
        assert losscli.compute("mse", [0.0], [1e200]) == math.inf
    assert [str(w.message) for w in caught] == ["mse: the value is infinite (overflow or an impossible case); returning inf"]


def test_main_puts_the_callers_garbage_collector_settings_back(monkeypatch, capsys, small_csv):
    # A run collects cycles less often (many --by groups make millions of objects);
    # the calling program's own thresholds are back once main() returns.
    import gc

    monkeypatch.setattr(sys, "argv", ["losscli", "compute", str(small_csv), "--loss", "mse", "--quiet"])
    before = gc.get_threshold()
    seen = []
    real_app_for = cli._app_for

    def app_spy(arguments):
        seen.append(gc.get_threshold())
        return real_app_for(arguments)

    monkeypatch.setattr(cli, "_app_for", app_spy)
    with pytest.raises(SystemExit):
        cli.main()
    capsys.readouterr()
    assert seen and seen[0] != before  # the run's own settings were in force
    assert gc.get_threshold() == before


def _child_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "LOSSCLI_DEBUG"}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _closing(descriptors: tuple[int, ...]):
    """A preexec_fn that closes the child's descriptors, as `>&-` or `2>&-` in a shell does."""

    def close() -> None:
        for descriptor in descriptors:
            os.close(descriptor)

    return close


@pytest.mark.parametrize("closed", [(1,), (2,), (0, 1, 2)], ids=["stdout", "stderr", "all"])
@pytest.mark.parametrize(("gate", "expected_code"), [("mse=1", 0), ("mse=0.5", 1), ("mse=abc", 2)])
def test_a_closed_standard_stream_does_not_change_the_exit_code(small_csv, tmp_path, closed, gate, expected_code):
    """`losscli ... 2>&-`: the exit code still says pass, breach or bad usage,
    and the report file is still written when the run gets that far."""
    report = tmp_path / "report.json"
    command = [sys.executable, "-m", "losscli", "compute", str(small_csv), "--loss", "mse", "-o", str(report), "--fail-above", gate]
    done = subprocess.run(command, env=_child_env(), preexec_fn=_closing(closed), check=False, timeout=120)
    assert done.returncode == expected_code
    if expected_code == 2:
        assert not report.exists()
    else:
        # mse by hand: 0.625 (small_csv)
        assert json.loads(report.read_text())["results"][0]["value"] == pytest.approx(0.625, rel=1e-12)


@pytest.mark.parametrize("command", [["list", "--format", "json"], ["compute", "SMALL", "--loss", "mse", "--fail-above", "mse=1"]])
def test_a_closed_stdout_is_not_an_error(small_csv, command):
    arguments = [str(small_csv) if word == "SMALL" else word for word in command]
    done = subprocess.run(
        [sys.executable, "-m", "losscli", *arguments], env=_child_env(), preexec_fn=_closing((1,)), stderr=subprocess.PIPE, text=True, check=False, timeout=120
    )
    assert (done.returncode, done.stderr) == (0, "")


def test_a_run_of_one_command_builds_that_command_alone():
    # Building every command's options took 4 of the 5 ms Typer spent per run.
    import typer.main

    one = typer.main.get_command(cli._app_for(["compute", "x.csv", "--loss", "mse"]))
    assert list(one.commands) == ["compute"]
    for arguments in ([], ["--help"], ["-V"], ["comput"], ["plot", "losses"]):
        every = typer.main.get_command(cli._app_for(arguments))
        assert {"compute", "compare", "recommend", "list", "info", "plot"} <= set(every.commands), arguments


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_a_report_on_stdout_is_utf8_under_a_locale_that_is_not(tmp_path, fmt):
    """A Windows runner's cp1252 or an ISO-8859-1 locale: the table's rule and
    a group named café failed as an internal error (exit 2), a breached gate's
    run too. stdout now carries the bytes --output writes."""
    data = write_csv(tmp_path / "data.csv", {"y_true": [1.0, 2.0], "y_pred": [1.5, 1.0], "shop": ["café", "naïve"]})
    env = {**_child_env(), "PYTHONIOENCODING": "ascii"}
    command = [sys.executable, "-m", "losscli", "compute", str(data), "--loss", "mse", "--by", "shop", "--format", fmt, "--fail-above", "mse=0.5"]
    done = subprocess.run(command, env=env, capture_output=True, check=False, timeout=120)
    # mse by hand: ((1.5-1)^2 + (1-2)^2) / 2 = 0.625, above the gate's 0.5
    assert done.returncode == 1, done.stderr
    assert done.stderr.decode() == "error: mse = 0.625 is above the threshold 0.5\n"
    report = tmp_path / "report.txt"
    subprocess.run([*command, "--output", str(report)], env=env, capture_output=True, check=False, timeout=120)
    assert done.stdout == report.read_bytes()
    text = done.stdout.decode("utf-8")
    shown = json.dumps(json.loads(text), ensure_ascii=False) if fmt == "json" else text
    assert "café" in shown and "naïve" in shown


def test_a_terminal_that_cannot_show_a_character_gets_a_question_mark_not_an_error(tmp_path):
    from conftest import run_in_terminal

    data = write_csv(tmp_path / "data.csv", {"y_true": [1.0, 2.0], "y_pred": [1.5, 1.0], "shop": ["café", "naïve"]})
    code, shown = run_in_terminal("compute", data, "--loss", "mse", "--by", "shop", columns=80, env={"PYTHONIOENCODING": "ascii"})
    assert code == 0, shown
    lines = shown.splitlines()
    assert "caf?" in shown and "na?ve" in shown
    # The rule under the header is drawn in ASCII, not as a row of '?'.
    assert set(lines[1]) <= set("-+| ") and "-" in lines[1]
