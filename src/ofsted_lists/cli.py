"""Command line: translates options into library calls and errors into exit codes.

Exit codes: 0 success (warnings allowed); 1 a bug; 2 usage error; 3 input error
(nothing written); 4 data-quality findings with --strict.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import signal
import sys
import traceback
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import __version__, config as config_mod, pipeline
from .errors import EXIT_BUG, EXIT_QUALITY, OutputError, UsageError, UserError
from .window import parse_as_of

EXIT_CODES_HELP = (
    "Exit codes: 0 success (warnings allowed); 2 usage error (bad option, --since, --as-of or config); "
    "3 input or output error (missing file, table or column, unreadable file, output not writable) — nothing "
    "written; 4 data-quality findings and --strict given; 1 a bug. "
    "A run waits up to $OFSTED_LISTS_LOCK_TIMEOUT seconds (default 60) for another run writing the same output."
)

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Ofsted inspection case lists from children's social care exports.\n\n" + EXIT_CODES_HELP,
)


class UI:
    """Terminal output. Never prints a child identifier, date of birth or worker name."""

    def __init__(self, quiet: bool, verbose: bool):
        self.quiet, self.verbose = quiet, verbose
        self.out = Console(highlight=False, soft_wrap=True)
        self.err = Console(stderr=True, highlight=False, soft_wrap=True)

    def print(self, *args, **kwargs) -> None:
        if not self.quiet:
            self.out.print(*args, **kwargs)

    @contextlib.contextmanager
    def progress(self):
        """A rich progress display on stderr while a run reads its exports and then checks
        them and builds the lists (file names and stage names only, never any data).
        Yields (per-file callback, per-stage callback), both None when quiet."""
        if self.quiet:
            yield None, None
            return
        bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                       TimeElapsedColumn(), console=self.err, transient=True)
        task = bar.add_task("reading the exports", total=None)
        with bar:
            def files(reading: str, done: int, total: int) -> None:
                text = f"reading {reading}" if reading else "read the exports"
                bar.update(task, description=text, completed=done, total=total)

            def stage(text: str) -> None:
                bar.update(task, description=text, completed=bar.tasks[0].total)
            yield files, stage

    @contextlib.contextmanager
    def status(self, text: str):
        """A spinner on stderr for a step with no count (writing the workbook)."""
        if self.quiet:
            yield
            return
        with self.err.status(text):
            yield


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def command(fn):
    """Run a command body: user errors become one message and their exit code; anything
    else is a bug (exit 1) reported without data values unless --debug."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            # cron's `timeout` sends SIGTERM: clean up like Ctrl-C (no temp file left behind).
            signal.signal(signal.SIGTERM, _interrupt)
        except ValueError:  # not the main thread (embedded use): leave signals alone
            pass
        try:
            return fn(*args, **kwargs)
        except typer.Exit:
            raise
        except UserError as exc:
            Console(stderr=True, highlight=False, soft_wrap=True).print(f"error: {exc}", markup=False)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            Console(stderr=True).print("interrupted; nothing was replaced", markup=False)
            raise typer.Exit(130) from None
        except Exception as exc:  # a bug: say where, not what data it was looking at
            if os.environ.get("OFSTED_LISTS_DEBUG"):
                traceback.print_exc()
            tb = traceback.extract_tb(exc.__traceback__)[-1]
            Console(stderr=True, highlight=False).print(
                f"internal error (a bug in ofsted-lists {__version__}): {type(exc).__name__} at "
                f"{Path(tb.filename).name}:{tb.lineno}. Please report it; set OFSTED_LISTS_DEBUG=1 for details.",
                markup=False,
            )
            raise typer.Exit(EXIT_BUG) from None

    return wrapper


# --- shared options ------------------------------------------------------------------

InputOpt = Annotated[Path | None, typer.Option("--input", "-i", help="Folder of exports (default: input.dir from the config, else ./sample_data).")]
ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="Config file (default ./ofsted-lists.toml when present).")]
SinceOpt = Annotated[str, typer.Option("--since", help="Window start: 12m, 6m, 1y, 52w, 365d or an ISO date.")]
AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="Reference date YYYY-MM-DD (default today).")]
AllowMissingOpt = Annotated[bool, typer.Option("--allow-missing", help="Write the lists whose exports exist; mark the others not produced.")]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Exit 4 when there are data-quality findings.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors (for cron).")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Allow child identifiers in terminal output.")]
OutOpt = Annotated[Path | None, typer.Option("--out", "-o", help="Workbook path (.xlsx) or folder (default ./out).")]
PasswordOpt = Annotated[str | None, typer.Option("--password-env", metavar="VAR", help="Encrypt the workbook with the password held in environment variable VAR.")]


def _config(path: Path | None) -> config_mod.Config:
    explicit = path is not None
    return config_mod.load(path or Path(config_mod.DEFAULT_NAME), explicit=explicit)


def _input_dir(given: Path | None, cfg: config_mod.Config) -> Path:
    return given or cfg.input_dir or Path("sample_data")


def _password(var: str | None) -> str | None:
    if var is None:
        return None
    value = os.environ.get(var)
    if not value:
        raise UsageError(f"--password-env {var}: the environment variable {var} is not set or is empty")
    return value


def _output_path(out: Path | None, cfg: config_mod.Config, default_name: str) -> Path:
    if out is not None and out.suffix.lower() == ".xlsx":
        return out
    folder = out or cfg.output_dir or Path("out")
    return folder / default_name


def _out_folder(out: Path | None, cfg: config_mod.Config) -> Path:
    """The folder outputs go into."""
    if out is not None and out.suffix.lower() == ".xlsx":
        return out.parent
    return out or cfg.output_dir or Path("out")


def _check_writable(folder: Path) -> None:
    """Fail before a long build, not after it, when the output cannot be written. Creates nothing."""
    probe = folder.absolute()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise OutputError(f"cannot write to {folder}: part of the path is a file ({probe}) — choose another --out")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write to {folder}: permission denied — choose another --out "
                          "or fix the folder's permissions")


def _run(input_dir, cfg: config_mod.Config, since, as_of, allow_missing, ui: UI) -> pipeline.Run:
    today = dt.date.today()
    as_of_date = parse_as_of(as_of, today)
    with ui.progress() as (progress, stage):
        run = pipeline.build_lists(
            _input_dir(input_dir, cfg), cfg, as_of=as_of_date, since=since,
            allow_missing=allow_missing, today=today, progress=progress, stage=stage,
        )
    return run


def _show(run: pipeline.Run, ui: UI) -> None:
    t = Table(title=f"Lists at {run.as_of:%d/%m/%Y}, window {run.window.describe()}")
    for col in ("Sheet", "Rows", "Children", "Unknown disability", "Note"):
        t.add_column(col, justify="right" if col in ("Rows", "Children", "Unknown disability") else "left")
    for r in run.lists:
        t.add_row(r.spec.sheet, str(len(r.frame)), str(r.frame["Child Unique ID"].nunique()),
                  str(r.unknown_children), pipeline._note(r))
    ui.print(t)
    counts = run.findings.counts()
    if counts:
        q = Table(title="Data-quality findings (details in the Data quality sheet)")
        q.add_column("Finding")
        q.add_column("Count", justify="right")
        for kind, n in counts.items():
            q.add_row(kind, str(n))
        ui.print(q)
    else:
        ui.print("No data-quality findings.")
    if run.read.unrecognised:
        # File and sheet names, never their contents.
        ui.print("Not read (the name matches no table; name it in ofsted-lists.toml): "
                 + ", ".join(run.read.unrecognised))


def _strict_exit(run: pipeline.Run, strict: bool) -> None:
    if strict and run.findings.problem_count():
        raise typer.Exit(EXIT_QUALITY)


# --- commands --------------------------------------------------------------------------

@app.command(epilog=EXIT_CODES_HELP)
@command
def build(
    input: InputOpt = None,
    config: ConfigOpt = None,
    since: SinceOpt = "12m",
    as_of: AsOfOpt = None,
    out: OutOpt = None,
    format: Annotated[str, typer.Option("--format", help="xlsx (default) or csv (one CSV per sheet in a folder).")] = "xlsx",
    allow_missing: AllowMissingOpt = False,
    strict: StrictOpt = False,
    password_env: PasswordOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Build the six lists of disabled children into one workbook.

    Example: ofsted-lists build --input exports/ --since 12m --as-of 2026-03-31
    """
    from . import workbook

    ui = UI(quiet, verbose)
    if format not in ("xlsx", "csv"):
        raise UsageError(f"--format must be xlsx or csv, not '{format}'")
    password = _password(password_env)
    if password and format == "csv":
        raise UsageError("--password-env encrypts a workbook; it cannot be used with --format csv")
    if format == "csv" and out is not None and out.suffix.lower() == ".xlsx":
        raise UsageError("--format csv writes a folder of CSV files: give --out a folder, not an .xlsx name")
    cfg = _config(config)
    _check_writable(_out_folder(out, cfg))
    run = _run(input, cfg, since, as_of, allow_missing, ui)
    with ui.status("writing the lists"):
        rep = pipeline.report(run)
        if format == "csv":
            folder = out or _out_folder(out, cfg) / f"ofsted-lists_{run.as_of:%Y-%m-%d}"
            workbook.write_csv_folder(rep, folder)
            dest = folder
        else:
            dest = workbook.write_xlsx(rep, _output_path(out, cfg, f"ofsted-lists_{run.as_of:%Y-%m-%d}.xlsx"),
                                       password=password)
    _show(run, ui)
    ui.print(f"Written: {dest}" + (" (encrypted)" if password else ""))
    _strict_exit(run, strict)


@app.command(epilog=EXIT_CODES_HELP)
@command
def sample(
    input: InputOpt = None,
    config: ConfigOpt = None,
    seed: Annotated[int | None, typer.Option("--seed", min=1, help="Seed of the draw (default: a new one, printed and recorded).")] = None,
    since: SinceOpt = "12m",
    as_of: AsOfOpt = None,
    out: OutOpt = None,
    allow_missing: AllowMissingOpt = False,
    password_env: PasswordOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Draw the inspectors' case sample (5 pre-selected, 8 day-one cases) from the lists.

    The same seed and the same records give the same cases, whatever the order of rows
    or files. Example: ofsted-lists sample --seed 7 --as-of 2026-03-31
    """
    from . import sample as sample_mod, workbook

    ui = UI(quiet, verbose)
    password = _password(password_env)
    cfg = _config(config)
    _check_writable(_out_folder(out, cfg))
    run = _run(input, cfg, since, as_of, allow_missing, ui)
    seed = seed if seed is not None else sample_mod.new_seed()
    with ui.status("drawing and writing the sample"):
        drawn = sample_mod.draw(run, seed, cfg.sample_counts)
        dest = workbook.write_xlsx(sample_mod.sample_report(drawn, run),
                                   _output_path(out, cfg, sample_mod.default_name(run.as_of, seed)),
                                   password=password)
    t = Table(title=f"Case sample, seed {seed}, as at {run.as_of:%d/%m/%Y}")
    for col in sample_mod.terminal_columns(verbose):
        t.add_column(col)
    for row in sample_mod.terminal_rows(drawn, verbose):
        t.add_row(*row)
    ui.print(t)
    for key, short in drawn.shortfall.items():
        if short:
            ui.print(f"Shortfall: {drawn.tally.loc[key, 'Category']}: {short} fewer than wanted "
                     f"({drawn.tally.loc[key, 'Eligible records']} eligible)")
    ui.print(f"Seed: {seed} (give --seed {seed} to draw the same cases again)")
    ui.print(f"Written: {dest}" + (" (encrypted)" if password else ""))


@app.command(epilog=EXIT_CODES_HELP)
@command
def validate(
    input: InputOpt = None,
    config: ConfigOpt = None,
    since: SinceOpt = "12m",
    as_of: AsOfOpt = None,
    allow_missing: AllowMissingOpt = False,
    strict: StrictOpt = False,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Read and check every export; print the data-quality summary; write nothing.

    Example: ofsted-lists validate --input exports/ --strict
    """
    ui = UI(quiet, verbose)
    run = _run(input, _config(config), since, as_of, allow_missing, ui)
    _show(run, ui)
    _strict_exit(run, strict)


@app.command("demo-data", epilog=EXIT_CODES_HELP)
@command
def demo_data(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the synthetic exports into.")] = Path("demo_data"),
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same files).")] = 1,
    children: Annotated[int, typer.Option("--children", min=10, help="Number of children.")] = 2000,
    contacts: Annotated[int | None, typer.Option("--contacts", min=1, help="Total contacts (default about 6 per child).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Last date of activity, YYYY-MM-DD (default today).")] = None,
    format: Annotated[str, typer.Option("--format", help="csv (default) or xlsx.")] = "csv",
    quiet: QuietOpt = False,
) -> None:
    """Write a realistic synthetic export set for a fictional local authority.

    Example: ofsted-lists demo-data --out demo/ --seed 7 --children 5000
    """
    from . import demo

    ui = UI(quiet, False)
    if format not in ("csv", "xlsx"):
        raise UsageError(f"--format must be csv or xlsx, not '{format}'")
    end = parse_as_of(until, dt.date.today())
    counts = demo.generate(out, seed=seed, children=children, contacts=contacts, until=end, fmt=format,
                           progress=None if quiet else (lambda m: ui.err.print(f"[dim]{m}[/dim]")))
    t = Table(title=f"Synthetic exports in {out}")
    t.add_column("Table")
    t.add_column("Rows", justify="right")
    for name, n in counts.items():
        t.add_row(name, f"{n:,}")
    ui.print(t)


@app.callback(invoke_without_command=True)
def main(version: Annotated[bool, typer.Option("--version", help="Show the version and exit.")] = False) -> None:
    if version:
        typer.echo(f"ofsted-lists {__version__}")
        raise typer.Exit(0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
