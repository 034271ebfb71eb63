"""Run losscli and its peers on the generated workloads; report medians.

    python bench/generate.py [--scale 0.1]     # once: writes bench/data/
    python bench/run.py [--repeat 5] [--only cce_parquet,startup_help]

Every tool runs as its own process, as a user runs it: `losscli compute ...`
for losscli, `python bench/peers.py TOOL ...` for DuckDB, polars,
pandas + scikit-learn and pyarrow + numpy, and the floor (pyarrow streaming
the needed columns and doing nothing else). Repeats are interleaved (round
robin, rotating the start) so machine noise spreads over all tools. Each
process is reaped with os.wait4, which gives its own user+sys CPU time and
peak RSS. Every tool's loss values are checked against losscli's to 1e-6
relative. Results go to bench/results/latest.json and latest.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
DATA_DIR = BENCH_DIR / "data"
RESULTS_DIR = BENCH_DIR / "results"
PYCACHE_DIR = DATA_DIR / ".pycache"
PYTHON = sys.executable
LOSSCLI = str(Path(sys.executable).with_name("losscli"))
PEERS = ("duckdb", "polars", "pandas_sklearn", "arrow_numpy")
TOOL_LABELS = {
    "losscli": "losscli",
    "duckdb": "DuckDB SQL (python)",
    "polars": "polars (scan + streaming)",
    "pandas_sklearn": "pandas + scikit-learn",
    "arrow_numpy": "pyarrow + numpy",
    "floor": "floor: pyarrow stream only",
}
TOLERANCE = 1e-6
TIMEOUT_S = 900
REGRESSION_10_SPECS = (
    "mse", "mae", "huber", "smooth_l1", "log_cosh", "rmse", "msle", "mape", "quantile:q=0.9", "poisson:log_input=false",
)


@dataclass
class Case:
    """One command line in one workload."""

    tool: str
    label: str
    argv: list[str]
    role: str  # "losscli", "peer", "floor" or "other" (reference points that are neither)
    needs: tuple[str, ...] = ()  # losscli losses that must be registered for this case to run


@dataclass
class Workload:
    name: str
    title: str
    file_key: str | None
    cases: list[Case]
    check_values: bool = True


@dataclass
class Outcome:
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    values: dict[str, float] | None = None
    status: str = "ok"  # ok, pending, failed
    error: str = ""


# ----------------------------------------------------------------------------- workloads


def losscli_compute(path: Path, specs: tuple[str, ...], *extra: str) -> list[str]:
    argv = [LOSSCLI, "compute", str(path)]
    for spec in specs:
        argv += ["--loss", spec]
    return argv + list(extra) + ["--format", "json"]


def peer_cases(loss_set: str, path: Path) -> list[Case]:
    cases = [Case(tool, TOOL_LABELS[tool], [PYTHON, str(BENCH_DIR / "peers.py"), tool, loss_set, str(path)], "peer") for tool in PEERS]
    cases.append(Case("floor", TOOL_LABELS["floor"], [PYTHON, str(BENCH_DIR / "peers.py"), "floor", loss_set, str(path)], "floor"))
    return cases


def loss_workload(name: str, title: str, file_key: str, path: Path, spec: str, *extra: str) -> Workload:
    loss = spec.split(":")[0]
    cases = [Case("losscli", "losscli compute", losscli_compute(path, (spec,), *extra), "losscli", (loss,))]
    return Workload(name, title, file_key, cases + peer_cases(loss, path))


def build_workloads(manifest: dict) -> list[Workload]:
    files = manifest["files"]

    def path(key: str) -> Path:
        return DATA_DIR / files[key]["file"]

    def rows(key: str) -> str:
        return f"{files[key]['rows']:,}"

    reg_pq, reg_csv, binary = path("regression_parquet"), path("regression_csv"), path("binary_parquet")
    mc_pq, mc_csv, small = path("multiclass_parquet"), path("multiclass_csv"), path("small_csv")
    workloads = []
    for loss in ("mse", "mae", "huber"):
        workloads.append(loss_workload(f"{loss}_parquet", f"{loss.upper() if loss != 'huber' else 'Huber'} on {rows('regression_parquet')} rows, Parquet", "regression_parquet", reg_pq, loss))
    for loss in ("mse", "mae", "huber"):
        workloads.append(loss_workload(f"{loss}_csv", f"{loss.upper() if loss != 'huber' else 'Huber'} on {rows('regression_csv')} rows, CSV", "regression_csv", reg_csv, loss))
    workloads.append(loss_workload("bce_parquet", f"BCE on {rows('binary_parquet')} rows, Parquet", "binary_parquet", binary, "bce"))
    cce_title = "categorical CE on {} rows x 10 classes, {}"
    workloads.append(loss_workload("cce_parquet", cce_title.format(rows("multiclass_parquet"), "Parquet"), "multiclass_parquet", mc_pq, "cce", "--pred-col", "p_*"))
    workloads.append(loss_workload("cce_csv", cce_title.format(rows("multiclass_csv"), "CSV"), "multiclass_csv", mc_csv, "cce", "--pred-col", "p_*"))

    ten = [spec.split(":")[0] for spec in REGRESSION_10_SPECS]
    multi = Workload(
        "ten_losses_parquet",
        f"10 regression losses in one run on {rows('regression_parquet')} rows, Parquet (peers compute all 10 in one pass too)",
        "regression_parquet",
        [
            Case("losscli", "losscli compute, 10 losses", losscli_compute(reg_pq, REGRESSION_10_SPECS), "losscli", tuple(ten)),
            Case("losscli", "losscli compute, 1 loss (mse)", losscli_compute(reg_pq, ("mse",)), "other", ("mse",)),
            # The same ten through `compare`, which adds ranks and the losses' characteristics.
            Case("losscli", "losscli compare, 10 losses", [LOSSCLI, "compare", *losscli_compute(reg_pq, REGRESSION_10_SPECS)[2:]], "other", tuple(ten)),
        ]
        + peer_cases("regression10", reg_pq),
    )
    workloads.append(multi)

    workloads.append(loss_workload("startup_small_csv", f"start-up: MSE on a {rows('small_csv')}-row CSV", "small_csv", small, "mse"))
    workloads.append(
        Workload(
            "startup_help",
            "start-up: --help and bare imports (no data)",
            None,
            [
                Case("losscli", "losscli --help", [LOSSCLI, "--help"], "losscli"),
                Case("other", "python -c 'import typer'", [PYTHON, "-c", "import typer"], "other"),
                Case("other", "python -c 'import numpy, pyarrow.csv'", [PYTHON, "-c", "import numpy, pyarrow.csv"], "other"),
                Case("floor", "python -c pass", [PYTHON, "-c", "pass"], "floor"),
            ],
            check_values=False,
        )
    )
    return workloads


# ----------------------------------------------------------------------------- measuring


@dataclass
class Sample:
    wall: float
    cpu: float
    rss_mb: float
    returncode: int
    stdout: str
    stderr: str


def run_once(argv: list[str]) -> Sample:
    """Run argv to completion; wall clock from spawn to reap, CPU and peak RSS of
    that child alone (os.wait4 returns its own rusage, unlike RUSAGE_CHILDREN
    whose maxrss is the maximum over every child so far)."""
    env = child_environment()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        _, status, usage = _wait(process)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, process.returncode, out.read().decode(errors="replace"), err.read().decode(errors="replace"))


def child_environment() -> dict[str, str]:
    """The environment of every measured process. Bytecode caching is forced on
    (into a bench-owned directory): an installed package has its .pyc files, and
    compiling losscli's sources on every run would add about 0.1 s that no user pays."""
    env = dict(os.environ, NO_COLOR="1", COLUMNS="100", PYTHONPYCACHEPREFIX=str(PYCACHE_DIR))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def warm_up(workloads: list[Workload]) -> None:
    """Run every program once, untimed, on the 1,000-row file: writes the bytecode
    cache and pulls every tool's files into the page cache."""
    small = str(DATA_DIR / "small.csv")
    commands = [[LOSSCLI, "compute", small, "--loss", "mse", "--format", "json"]]
    commands += [[PYTHON, str(BENCH_DIR / "peers.py"), tool, "mse", small] for tool in (*PEERS, "floor")]
    commands += [case.argv for workload in workloads for case in workload.cases if workload.file_key is None]
    for argv in commands:
        run_once(argv)


def _wait(process: subprocess.Popen) -> tuple[int, int, object]:
    """Block in wait4 (no polling delay in the wall time); a timer kills a hung run."""
    killer = threading.Timer(TIMEOUT_S, process.kill)
    killer.start()
    try:
        return os.wait4(process.pid, 0)
    finally:
        killer.cancel()


def parse_values(case: Case, stdout: str) -> dict[str, float] | None:
    if case.argv[1:2] == ["--help"] or case.argv[1:2] == ["-c"]:
        return None
    document = json.loads(stdout)
    if case.tool == "losscli":
        return {result["loss"]: result["value"] for result in document["results"]}
    return document


def warm_page_cache(path: Path) -> None:
    """Read the file once so every tool starts from a warm cache, not just the later ones."""
    with open(path, "rb") as handle:
        while handle.read(1 << 24):
            pass


def run_workload(workload: Workload, repeat: int, available: set[str], verbose: bool) -> dict[str, Outcome]:
    outcomes = {case.label: Outcome() for case in workload.cases}
    runnable = []
    for case in workload.cases:
        missing = [loss for loss in case.needs if loss not in available]
        if missing:
            outcomes[case.label].status = "pending"
            outcomes[case.label].error = f"losscli does not register {', '.join(missing)} yet"
        else:
            runnable.append(case)
    for rep in range(repeat if runnable else 0):
        start = rep % len(runnable)
        for case in runnable[start:] + runnable[:start]:
            outcome = outcomes[case.label]
            if outcome.status == "failed":
                continue
            sample = run_once(case.argv)
            if sample.returncode != 0:
                outcome.status = "failed"
                outcome.error = (sample.stderr.strip().splitlines() or [f"exit code {sample.returncode}"])[-1]
                print(f"  !! {case.label} FAILED (exit {sample.returncode}): {outcome.error}", file=sys.stderr)
                continue
            outcome.walls.append(sample.wall)
            outcome.cpus.append(sample.cpu)
            outcome.rss_mb.append(sample.rss_mb)
            if outcome.values is None:
                try:
                    outcome.values = parse_values(case, sample.stdout)
                except (ValueError, KeyError, TypeError) as error:
                    outcome.status, outcome.error = "failed", f"unreadable output: {error}"
                    print(f"  !! {case.label} FAILED: unreadable output {sample.stdout[:200]!r}", file=sys.stderr)
                    continue
            if verbose:
                print(f"  rep {rep + 1}: {case.label:<38} {sample.wall:7.3f} s wall {sample.cpu:7.3f} s cpu {sample.rss_mb:8.1f} MB")
    return outcomes


# ----------------------------------------------------------------------------- checking and summarising


def check_values(workload: Workload, outcomes: dict[str, Outcome]) -> dict[str, dict]:
    """Each tool's values against losscli's (or, while losscli is pending, against
    pyarrow + numpy's), to TOLERANCE relative."""
    if not workload.check_values:
        return {}
    by_tool = {case.label: case for case in workload.cases}
    reference_label = next(
        (c.label for c in workload.cases if c.role == "losscli" and outcomes[c.label].values),
        next((c.label for c in workload.cases if c.tool == "arrow_numpy" and outcomes[c.label].values), None),
    )
    if reference_label is None:
        return {}
    reference = outcomes[reference_label].values
    checks = {}
    for label, outcome in outcomes.items():
        if outcome.values is None or by_tool[label].role == "floor":
            continue
        worst = 0.0
        problems = []
        for loss, value in outcome.values.items():
            expected = reference.get(loss)
            if expected is None or value is None:
                problems.append(f"{loss}: missing")
                continue
            rel = abs(value - expected) / max(abs(expected), 1e-300)
            worst = max(worst, rel)
            if rel > TOLERANCE:
                problems.append(f"{loss}: {value!r} vs {expected!r} (rel {rel:.2e})")
        checks[label] = {"reference": reference_label, "max_rel_diff": worst, "agrees": not problems, "problems": problems}
        if problems:
            bar = "!" * 78
            print(f"\n{bar}\nVALUE MISMATCH in {workload.name}: {label} vs {reference_label}\n  " + "\n  ".join(problems) + f"\n{bar}\n", file=sys.stderr)
    return checks


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def summarise(workload: Workload, outcomes: dict[str, Outcome], checks: dict[str, dict]) -> dict:
    rows = []
    for case in workload.cases:
        outcome = outcomes[case.label]
        rows.append(
            {
                "tool": case.tool,
                "label": case.label,
                "role": case.role,
                "command": shlex.join(case.argv),
                "status": outcome.status,
                "error": outcome.error,
                "wall_s": median(outcome.walls),
                "cpu_s": median(outcome.cpus),
                "peak_rss_mb": median(outcome.rss_mb),
                "walls": outcome.walls,
                "cpus": outcome.cpus,
                "rss_mb": outcome.rss_mb,
                "values": outcome.values,
                "check": checks.get(case.label),
            }
        )
    peer_walls = [(r["wall_s"], r["label"]) for r in rows if r["role"] == "peer" and r["wall_s"] is not None]
    fastest = min(peer_walls) if peer_walls else (None, None)
    floor = next((r["wall_s"] for r in rows if r["role"] == "floor" and r["wall_s"] is not None), None)
    for r in rows:
        r["vs_fastest_peer"] = r["wall_s"] / fastest[0] if r["wall_s"] and fastest[0] else None
        r["vs_floor"] = r["wall_s"] / floor if r["wall_s"] and floor else None
    return {
        "name": workload.name,
        "title": workload.title,
        "file": workload.file_key,
        "fastest_peer": fastest[1],
        "fastest_peer_wall_s": fastest[0],
        "floor_wall_s": floor,
        "tools": rows,
    }


# ----------------------------------------------------------------------------- reporting


def machine() -> dict:
    def cpu_model() -> str:
        try:
            for line in Path("/proc/cpuinfo").read_text().splitlines():
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return platform.processor() or "unknown"

    def ram_gb() -> float | None:
        try:
            for line in Path("/proc/meminfo").read_text().splitlines():
                if line.startswith("MemTotal"):
                    return round(int(line.split()[1]) / 1024 / 1024, 1)
        except OSError:
            return None
        return None

    def version(dist: str) -> str | None:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return None

    return {
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu_model": cpu_model(),
        "ram_gb": ram_gb(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": {d: version(d) for d in ("losscli", "numpy", "pyarrow", "typer", "duckdb", "polars", "pandas", "scikit-learn")},
    }


def git_state() -> dict:
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=BENCH_DIR.parent, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    return {"commit": git("rev-parse", "--short", "HEAD"), "dirty": bool(git("status", "--porcelain", "--", "losscli")), "source_hash": source_hash()}


def source_hash() -> str:
    """A digest of losscli's sources, to tell whether they changed during a run."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted((BENCH_DIR.parent / "losscli").rglob("*.py")):
        digest.update(str(path.relative_to(BENCH_DIR.parent)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def fmt(value: float | None, pattern: str) -> str:
    return "—" if value is None else format(value, pattern)


def markdown(report: dict) -> str:
    m = report["machine"]
    lines = [
        f"Machine: {m['nproc']} cores ({m['cpu_model']}), {m['ram_gb']} GB RAM, Python {m['python']}; "
        f"losscli {m['versions']['losscli']} (commit {report['git']['commit']}{', losscli/ modified' if report['git']['dirty'] else ''}, "
        f"sources {report['git']['source_hash']}{'' if report['git']['source_hash_after'] == report['git']['source_hash'] else ' CHANGED DURING THE RUN'}), "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items() if k not in ("losscli",) and v)
        + ".",
        "",
        f"Data scale {report['scale']}; medians of {report['repeat']} interleaved runs; warm page cache; "
        f"1-minute load average {report['load_average_before'][0]:.1f} before, {report['load_average_after'][0]:.1f} after. "
        "Bytecode of every package is cached, as after a pip install. Wall = spawn to exit of the process; CPU = its user+sys; memory = its peak RSS. "
        "\"× peer\" is wall time over the fastest of DuckDB, polars, pandas+sklearn and pyarrow+numpy; "
        "\"× floor\" over pyarrow streaming the same columns and doing nothing else.",
        "",
        "### Summary",
        "",
        "| workload | losscli wall (s) | fastest peer | peer wall (s) | losscli × peer | floor (s) | losscli × floor |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for w in report["workloads"]:
        main_row = next(r for r in w["tools"] if r["role"] == "losscli")
        status = "" if main_row["status"] == "ok" else f" ({main_row['status']})"
        lines.append(
            f"| {w['name']} | {fmt(main_row['wall_s'], '.3f')}{status} | {w['fastest_peer'] or '—'} | {fmt(w['fastest_peer_wall_s'], '.3f')} "
            f"| {fmt(main_row['vs_fastest_peer'], '.2f')} | {fmt(w['floor_wall_s'], '.3f')} | {fmt(main_row['vs_floor'], '.2f')} |"
        )
    for w in report["workloads"]:
        lines += ["", f"### {w['name']}: {w['title']}", "", "| tool | wall (s) | CPU (s) | peak RSS (MB) | × fastest peer | × floor | value |", "|---|---:|---:|---:|---:|---:|---|"]
        for r in w["tools"]:
            if r["status"] != "ok":
                lines.append(f"| {r['label']} | {r['status']} | | | | | {r['error']} |")
                continue
            check = r["check"]
            if check is None:
                verdict = "—"
            elif check["agrees"]:
                verdict = "reference" if check["reference"] == r["label"] else f"agrees ({check['max_rel_diff']:.0e})"
            else:
                verdict = "**MISMATCH** " + "; ".join(check["problems"])
            lines.append(
                f"| {r['label']} | {fmt(r['wall_s'], '.3f')} | {fmt(r['cpu_s'], '.3f')} | {fmt(r['peak_rss_mb'], '.0f')} "
                f"| {fmt(r['vs_fastest_peer'], '.2f')} | {fmt(r['vs_floor'], '.2f')} | {verdict} |"
            )
    return "\n".join(lines) + "\n"


def losscli_available() -> set[str]:
    probe = subprocess.run([PYTHON, "-c", "import json, losscli; print(json.dumps(losscli.available()))"], capture_output=True, text=True)
    if probe.returncode != 0:
        sys.exit(f"cannot import losscli with {PYTHON}: {probe.stderr.strip()}")
    return set(json.loads(probe.stdout))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="runs per tool and workload; medians are reported (default 5)")
    parser.add_argument("--only", default="", help="comma-separated workload names (default: all)")
    parser.add_argument("--output", help="JSON results file, a .md twin is written beside it (default: results/latest.json, or results/partial.raw.json with --only)")
    parser.add_argument("--quiet", action="store_true", help="do not print every run")
    args = parser.parse_args(argv)

    manifest_path = DATA_DIR / "manifest.json"
    if not manifest_path.exists():
        sys.exit("no workloads: run python bench/generate.py first")
    manifest = json.loads(manifest_path.read_text())
    workloads = build_workloads(manifest)
    if args.only:
        wanted = {name.strip() for name in args.only.split(",") if name.strip()}
        unknown = wanted - {w.name for w in workloads}
        if unknown:
            sys.exit(f"unknown workload(s): {', '.join(sorted(unknown))}; known: {', '.join(w.name for w in workloads)}")
        workloads = [w for w in workloads if w.name in wanted]
    if not Path(LOSSCLI).exists():
        sys.exit(f"losscli is not installed beside {PYTHON}: pip install -e '.[bench]'")
    available = losscli_available()

    output = Path(args.output or RESULTS_DIR / ("partial.raw.json" if args.only else "latest.json"))
    report = {"machine": machine(), "git": git_state(), "load_average_before": os.getloadavg(), "scale": manifest["scale"], "repeat": args.repeat, "tolerance": TOLERANCE, "workloads": []}
    warm_up(workloads)
    for workload in workloads:
        print(f"== {workload.name}: {workload.title}", flush=True)
        if workload.file_key:
            warm_page_cache(DATA_DIR / manifest["files"][workload.file_key]["file"])
        started = time.perf_counter()
        outcomes = run_workload(workload, args.repeat, available, verbose=not args.quiet)
        checks = check_values(workload, outcomes)
        report["workloads"].append(summarise(workload, outcomes, checks))
        print(f"   ({time.perf_counter() - started:.0f} s)", flush=True)

    report["load_average_after"] = os.getloadavg()
    report["git"]["source_hash_after"] = source_hash()
    if report["git"]["source_hash_after"] != report["git"]["source_hash"]:
        print("!! losscli's sources changed during the run: its rows may mix two versions", file=sys.stderr)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2) + "\n")
    table = markdown(report)
    output.with_suffix(".md").write_text(table)
    print()
    print(table)
    mismatches = [(w["name"], r["label"]) for w in report["workloads"] for r in w["tools"] if r["check"] and not r["check"]["agrees"]]
    failures = [(w["name"], r["label"]) for w in report["workloads"] for r in w["tools"] if r["status"] == "failed"]
    if mismatches or failures:
        print(f"\n!! {len(mismatches)} value mismatch(es), {len(failures)} failed run(s): {mismatches + failures}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
