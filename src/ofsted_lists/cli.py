"""Command line: translates options into library calls and errors into exit codes.

Exit codes: 0 success (warnings allowed); 1 a bug; 2 usage error; 3 input error
(nothing written); 4 data-quality findings with --strict, or a warning of a kind --fail-on
names (after writing); 130 interrupted; 141 standard output closed early (`| head`). Any
exit but 0 and 141 prints one line on stderr saying why, even under --quiet.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import functools
import os
import re
import signal
import sys
import traceback
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from . import __version__, alerts, config as config_mod, output, pipeline
from .errors import EXIT_BUG, EXIT_INPUT, OutputError, QualityError, UsageError, UserError
from .terminal import describe_skipped, describe_unread, safe, without_file_names
from .window import parse_as_of

EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as a shell reports a command whose reader went away
EXIT_INTERRUPTED = 130
EXIT_CODES_HELP = (
    "Exit codes: 0 success (warnings allowed); 2 usage error (bad option, --since, --as-of or config); "
    "3 input or output error (missing file, table or column, unreadable file, output not writable) — nothing "
    "written; 4 data-quality findings and --strict given, or a warning of a kind --fail-on names (the "
    "workbook is written first); 1 a bug; 130 interrupted; 141 standard output "
    "closed early. "
    "A run waits up to $OFSTED_LISTS_LOCK_TIMEOUT seconds (default 60) for another run writing the same output."
)
# validate only reads: its help has no output to speak of.
VALIDATE_EXIT_CODES_HELP = (
    "Exit codes: 0 success (warnings allowed); 2 usage error (bad option, --since, --as-of or config); "
    "3 input error (missing file, table or column, unreadable file); 4 data-quality findings and --strict "
    "given, or a warning of a kind named by --fail-on; 1 a bug; 130 interrupted; 141 standard output closed early."
)


# Click's exception base: typer re-exports its subclasses, and from typer 0.22 on vendors click.
_CLICK_ERROR = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


def _escaping(call, *args):
    try:
        return call(*args)
    except _CLICK_ERROR as exc:
        exc.message = safe(exc.message)
        raise


class _SafeGroup(typer.core.TyperGroup):
    """Click's own usage errors ("No such option: …") quote what was typed: escape it, as
    everything else printed is, so a typed bidi override or ESC cannot reorder the line."""

    def parse_args(self, ctx, args):
        return _escaping(super().parse_args, ctx, args)

    def invoke(self, ctx):
        return _escaping(super().invoke, ctx)


app = typer.Typer(
    cls=_SafeGroup,
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Ofsted inspection case lists from children's social care exports.\n\n" + EXIT_CODES_HELP,
)


class StdoutError(Exception):
    """Standard output refused a write (a closed pipe, a full disk)."""

    def __init__(self, exc: OSError):
        super().__init__(exc.strerror or str(exc))
        self.errno = exc.errno


class _Console(Console):
    """A rich console whose closed pipe is reported to `command` (rich itself would exit 1)."""

    def __init__(self, **kwargs):
        super().__init__(highlight=False, soft_wrap=True, **kwargs)

    def on_broken_pipe(self) -> None:
        raise StdoutError(OSError(errno.EPIPE, "Broken pipe"))


def cell(text: object) -> Text:
    """A table cell or line as plain text: control characters escaped, no rich markup."""
    return Text(safe(text))


class UI:
    """Terminal output. Never prints a child identifier, date of birth or worker name, nor
    a file or sheet name that may hold one, unless --verbose; every text goes through
    `terminal.safe`, so nothing printed can be a terminal control sequence."""

    def __init__(self, quiet: bool, verbose: bool):
        self.quiet, self.verbose = quiet, verbose
        self.out = _Console()
        self.err = _Console(stderr=True)

    def print(self, item: str | Table | Text) -> None:
        """A line (plain text, never markup) or a table whose cells were made by `cell`."""
        if self.quiet:
            return
        try:
            self.out.print(cell(item) if isinstance(item, str) else item)
        except OSError as exc:
            raise StdoutError(exc) from None

    def warn(self, text: str) -> None:
        """A warning line on stderr, printed even under --quiet (cron mails it)."""
        try:
            self.err.print(cell(text))
        except OSError:
            pass

    def note(self, text: str) -> None:
        """A dim progress line on stderr."""
        if not self.quiet:
            self.err.print(Text(safe(text), style="dim"))

    @contextlib.contextmanager
    def progress(self):
        """A rich progress display on stderr while a run reads its exports and then checks
        them and builds the lists (file names and stage names only, never any data).
        Yields (per-file callback, per-stage callback), both None when quiet."""
        if self.quiet:
            yield None, None
            return
        bar = Progress(SpinnerColumn(), TextColumn("{task.description}", markup=False), BarColumn(), DownloadColumn(),
                       TimeElapsedColumn(), console=self.err, transient=True)
        task = bar.add_task("reading the exports", total=None)
        with bar:
            def files(reading: str, done: int, total: int) -> None:
                # File names only with --verbose: a name can be personal data.
                text = ("read the exports" if not reading else f"reading {safe(reading)}" if self.verbose
                        else "reading the exports")
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
        with self.err.status(Text(safe(text))):
            yield


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _say(text: str) -> None:
    """One line on stderr, escaped; a stderr that cannot be written is not our problem."""
    with contextlib.suppress(OSError, StdoutError):
        _Console(stderr=True).print(Text(safe(text)))


def _flush_stdout() -> None:
    try:
        sys.stdout.flush()
    except OSError as exc:
        raise StdoutError(exc) from None


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's own flush at exit finds nothing to
    fail on (a closed pipe would otherwise print "Exception ignored")."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        fd = sys.stdout.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)


def _interrupted_message() -> str:
    done = output.replaced()
    if not done:
        return "interrupted; nothing was replaced"
    return f"interrupted after writing {', '.join(map(str, done))} (complete; it was replaced whole)"


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
        output.forget_replaced()
        try:
            result = fn(*args, **kwargs)
            _flush_stdout()
            return result
        except typer.Exit:
            raise
        except UserError as exc:
            text = exc.verbose if kwargs.get("verbose") and exc.verbose else str(exc)
            _say(f"error: {text}")
            raise typer.Exit(exc.exit_code) from None
        except StdoutError as exc:
            _silence_stdout()
            if exc.errno == errno.EPIPE:  # the reader (`| head`) has all it wanted
                raise typer.Exit(EXIT_BROKEN_PIPE) from None
            _say(f"error: cannot write to standard output: {exc}")
            raise typer.Exit(EXIT_INPUT) from None
        except KeyboardInterrupt:
            _say(_interrupted_message())
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except Exception as exc:  # a bug: say where, not what data it was looking at
            _report_bug(exc)

    return wrapper


def _report_bug(exc: BaseException):
    if os.environ.get("OFSTED_LISTS_DEBUG"):
        traceback.print_exc()
    tb = traceback.extract_tb(exc.__traceback__)[-1]
    _say(f"internal error (a bug in ofsted-lists {__version__}): {type(exc).__name__} at "
         f"{Path(tb.filename).name}:{tb.lineno}. Please report it; set OFSTED_LISTS_DEBUG=1 for details.")
    raise typer.Exit(EXIT_BUG) from None


# --- shared options ------------------------------------------------------------------

InputOpt = Annotated[Path | None, typer.Option("--input", "-i", help="Folder of exports (default: input.dir from the config, else ./sample_data).")]
ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="Config file (default ./ofsted-lists.toml when present).")]
SinceOpt = Annotated[str | None, typer.Option("--since", help=(
    "Window start: 12m, 6m, 1y, 52w, 365d or an ISO date (default 12m; 6m, Ofsted's window, in the annex-a profile)."))]
ProfileOpt = Annotated[str | None, typer.Option("--profile", help=(
    "disabled-children (the sheets about disabled children) or annex-a (Ofsted's Annex A Lists 1-11 "
    "for all children); default: profile in the config, else disabled-children."))]
AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="Reference date, YYYY-MM-DD or DD/MM/YYYY (default today).")]
AllowMissingOpt = Annotated[bool, typer.Option("--allow-missing", help="Go on when an export is missing: the lists that need it are marked NOT PRODUCED on their sheets, the others are built.")]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Exit 4 when there are data-quality findings.")]
FailOnOpt = Annotated[str | None, typer.Option(
    "--fail-on", metavar="KINDS",
    help=f"Exit 4 on a warning of these kinds (build keeps its output): a comma list of {', '.join(alerts.KINDS)}, "
         "or all (default: fail_on in the config, else none).")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors and a count of warnings (for cron).")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Allow child identifiers in terminal output.")]
OutOpt = Annotated[Path | None, typer.Option("--out", "-o", help="Workbook path (.xlsx) or folder (default ./out).")]
PasswordOpt = Annotated[str | None, typer.Option("--password-env", metavar="VAR", help="Encrypt the workbook with the password held in environment variable VAR.")]


def _config(path: Path | None) -> config_mod.Config:
    explicit = path is not None
    # Deferred: reading the exports reports the config's mistakes with the mappings its
    # headings contradict, all in one message.
    return config_mod.load(path or Path(config_mod.DEFAULT_NAME), explicit=explicit, defer=True)


def _input_dir(given: Path | None, cfg: config_mod.Config) -> Path:
    return given or cfg.input_dir or Path("sample_data")


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _password(var: str | None) -> str | None:
    """The password held in environment variable `var`. What was given is never echoed:
    a mistaken --password-env is often the password itself."""
    if var is None:
        return None
    if not _ENV_NAME.fullmatch(var):
        raise UsageError("--password-env takes the NAME of an environment variable (letters, digits and _), "
                         "not the password itself; what was given is not shown")
    value = os.environ.get(var)
    if not value:
        raise UsageError("--password-env: no environment variable of the name given is set, or it is empty "
                         "(the option takes a variable's name, not the password; the name is not shown)")
    return value


# Names of other spreadsheet formats: given to --out, they were meant as a workbook's name.
_NOT_XLSX = (".xls", ".xlsm", ".xlsb", ".xltx", ".ods")


def _check_out_name(out: Path | None) -> None:
    """--out ending in another spreadsheet format's name is a usage error, not a folder of that name."""
    if out is not None and out.suffix.lower() in _NOT_XLSX:
        raise UsageError(f"--out {out.name}: ofsted-lists writes Excel workbooks as .xlsx (which every Excel since "
                         f"2007 opens), not {out.suffix}; give a name ending .xlsx, or a folder")


def _output_path(out: Path | None, cfg: config_mod.Config, default_name: str) -> Path:
    if out is not None and out.suffix.lower() == ".xlsx":
        return out
    folder = out or cfg.output_dir or Path("out")
    return folder / default_name


def _out_folder(out: Path | None, cfg: config_mod.Config) -> Path:
    """The folder outputs go into (a usage error for --out naming another spreadsheet format)."""
    _check_out_name(out)
    if out is not None and out.suffix.lower() == ".xlsx":
        return out.parent
    return out or cfg.output_dir or Path("out")


def _check_writable(folder: Path) -> None:
    """Fail before a long build, not after it, when the output cannot be written. Creates nothing."""
    probe = folder.absolute()
    try:
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        is_dir = probe.is_dir()
    except OSError as exc:  # a folder on the way we may not search, a name too long
        problem = output.path_problem(exc)
        if problem == "permission denied":
            raise output.not_writable(folder) from None
        raise OutputError(f"cannot write to {folder}: {problem} — choose another --out") from None
    if not is_dir:
        if probe == folder.absolute():
            raise OutputError(f"cannot write to {folder}: it is a file, not a folder — choose another --out")
        raise OutputError(f"cannot write to {folder}: part of the path is a file ({probe}) — choose another --out")
    if not os.access(probe, os.W_OK | os.X_OK):
        with contextlib.suppress(OSError):
            if os.statvfs(probe).f_flag & os.ST_RDONLY:
                raise output.not_writable(folder, "a read-only file system")
        raise output.not_writable(folder)


def _profile(given: str | None, cfg: config_mod.Config):
    """--profile, else the config's `profile`, else disabled-children (SPEC §2)."""
    from . import profiles

    return profiles.get(given if given is not None else cfg.profile)


def _run(input_dir, cfg: config_mod.Config, since, as_of, allow_missing, ui: UI, profile=None) -> pipeline.Run:
    today = dt.date.today()
    as_of_date = parse_as_of(as_of, today)
    folder = _input_dir(input_dir, cfg)
    try:
        with ui.progress() as (progress, stage):
            run = pipeline.build_lists(
                folder, cfg, as_of=as_of_date, since=since, profile=profile or _profile(None, cfg),
                allow_missing=allow_missing, today=today, progress=progress, stage=stage,
            )
    except UserError as exc:
        raise exc if ui.verbose else without_file_names(exc, folder, cfg) from None
    return run


def _table(title: str, columns: list[str], rows, right: set[str] = frozenset()) -> Table:
    """A rich table whose title and cells are plain escaped text (`cell`)."""
    t = Table(title=cell(title))
    for col in columns:
        t.add_column(cell(col), justify="right" if col in right else "left")
    for row in rows:
        t.add_row(*(cell(v) for v in row))
    return t


def _show(run: pipeline.Run, ui: UI) -> None:
    # A profile of all children leaves no one out for unknown disability: no such column.
    unknown = [] if run.profile.all_children else ["Unknown disability"]
    ui.print(_table(
        f"Lists at {run.as_of:%d/%m/%Y}, window {pipeline.window_text(run)}",
        ["Sheet", "Rows", "Children", *unknown, "Note"],
        [(r.spec.sheet, f"{len(r.frame):,}", "" if (n := pipeline.children(r)) is None else f"{n:,}",
          *([f"{r.unknown_children:,}"] if unknown else []), pipeline._note(r)) for r in run.lists],
        right={"Rows", "Children", *unknown},
    ))
    counts = run.findings.counts()
    if counts:
        ui.print(_table("Data-quality findings (details in the Data quality sheet)", ["Finding", "Count"],
                        [(kind, f"{n:,}") for kind, n in counts.items()], right={"Count"}))
    else:
        ui.print("No data-quality findings.")
    if run.read.unrecognised:
        books = {f.name for f in run.read.files}
        ui.print("Not read (the name matches no table; name it in ofsted-lists.toml): "
                 + describe_unread(run.read.unrecognised, books, ui.verbose))
    if run.read.skipped:
        ui.print(f"Skipped {describe_skipped(run.read.skipped, ui.verbose)}")
    _show_warnings(run, ui)


def _show_warnings(run: pipeline.Run, ui: UI) -> None:
    if run.warnings:
        ui.print(_table(f"Warnings that change the lists: {alerts.count_text(run.warnings)}", ["Kind", "Warning"],
                        [(w.kind, w.shown(ui.verbose)) for w in run.warnings]))


def _fail_on(given: str | None, cfg: config_mod.Config) -> frozenset[str]:
    """The warning kinds that end the run with exit 4: --fail-on, else the config's fail_on."""
    if given is None:
        return cfg.fail_on
    try:
        return alerts.parse_kinds(given)
    except ValueError as exc:
        raise UsageError(f"--fail-on: {exc}") from None


def _finish(run: pipeline.Run, ui: UI, strict: bool, fail_on: frozenset[str], written: bool) -> None:
    """Exit 4 when --strict or --fail-on says so, with one line on stderr saying why; else,
    under --quiet, one line counting the warnings (so that cron mails them)."""
    see = "; see the Summary sheet" if written else ""
    reasons = []
    failing = [w for w in run.warnings if w.kind in fail_on]
    if failing:
        reasons.append(f"{alerts.count_text(failing)} (kinds named by --fail-on or fail_on){see}")
    if strict and (n := run.findings.problem_count()):
        reasons.append(f"{n:,} data-quality finding{'' if n == 1 else 's'} and --strict given"
                       + ("; see the Data quality sheet" if written else ""))
    if reasons:
        raise QualityError("; ".join(reasons) + ("; the output was written" if written else ""))
    if ui.quiet and run.warnings:
        _say(alerts.count_text(run.warnings) + see)


# --- commands --------------------------------------------------------------------------

@app.command(epilog=EXIT_CODES_HELP)
@command
def build(
    input: InputOpt = None,
    config: ConfigOpt = None,
    profile: ProfileOpt = None,
    since: SinceOpt = None,
    as_of: AsOfOpt = None,
    out: OutOpt = None,
    format: Annotated[str, typer.Option("--format", help="xlsx (default) or csv (one CSV per sheet in a folder).")] = "xlsx",
    allow_missing: AllowMissingOpt = False,
    strict: StrictOpt = False,
    fail_on: FailOnOpt = None,
    password_env: PasswordOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Build the lists into one workbook: the Summary, the profile's list sheets (disabled-children:
    seven list sheets, 1a, 1b, 2–6; annex-a: List 1 … List 11), Changes since the last run in the
    same folder, and Data quality.

    Example: ofsted-lists build --input exports/ --since 12m --as-of 2026-03-31;
    ofsted-lists build --profile annex-a --as-of 2026-03-31
    """
    from . import changes, workbook

    ui = UI(quiet, verbose)
    if format not in ("xlsx", "csv"):
        raise UsageError(f"--format must be xlsx or csv, not '{format}'")
    password = _password(password_env)
    if password and format == "csv":
        raise UsageError("--password-env encrypts a workbook; it cannot be used with --format csv")
    if format == "csv" and out is not None and out.suffix.lower() == ".xlsx":
        raise UsageError("--format csv writes a folder of CSV files: give --out a folder, not an .xlsx name")
    cfg = _config(config)
    chosen = _profile(profile, cfg)
    kinds = _fail_on(fail_on, cfg)
    _check_writable(_out_folder(out, cfg))
    if format == "csv":
        # A run killed between the renames of the folder swap is put right first, so the
        # previous set is back even if this run fails.
        folder = out or _out_folder(out, cfg) / f"{chosen.stem}_{parse_as_of(as_of, dt.date.today()):%Y-%m-%d}"
        output.restore_folder(folder)
        output.restore_folders(folder.parent, changes.CSV_NAME)  # every profile's dated folders
    run = _run(input, cfg, since, as_of, allow_missing, ui, chosen)
    dest = folder if format == "csv" else _output_path(out, cfg, f"{chosen.stem}_{run.as_of:%Y-%m-%d}.xlsx")
    with ui.status("comparing with the last run"):
        diff = changes.compare(run.lists, run.as_of, run.profile.name, dest.parent, password=password,
                               csv_output=format == "csv")
    with ui.status("writing the lists"):
        rep = pipeline.report(run, diff)
        if format == "csv":
            workbook.write_csv_folder(rep, folder)
        else:
            workbook.write_xlsx(rep, dest, password=password)
    _show(run, ui)
    ui.print(diff.describe())
    if diff.warning:
        ui.warn(diff.warning)
    ui.print(f"Written: {dest}" + (" (encrypted)" if password else ""))
    _finish(run, ui, strict, kinds, written=True)


@app.command(epilog=EXIT_CODES_HELP)
@command
def sample(
    input: InputOpt = None,
    config: ConfigOpt = None,
    seed: Annotated[int | None, typer.Option("--seed", min=1, help="Seed of the draw (default: a new one, printed and recorded).")] = None,
    since: SinceOpt = None,
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
    from .profiles import DISABLED_CHILDREN

    # The sample is drawn from the disabled-children lists, whatever the config's profile.
    run = _run(input, cfg, since, as_of, allow_missing, ui, DISABLED_CHILDREN)
    seed = seed if seed is not None else sample_mod.new_seed()
    with ui.status("drawing and writing the sample"):
        drawn = sample_mod.draw(run, seed, cfg.sample_counts)
        dest = workbook.write_xlsx(sample_mod.sample_report(drawn, run),
                                   _output_path(out, cfg, sample_mod.default_name(run.as_of, seed)),
                                   password=password)
    ui.print(_table(f"Case sample, seed {seed}, as at {run.as_of:%d/%m/%Y}", sample_mod.terminal_columns(verbose),
                    sample_mod.terminal_rows(drawn, verbose)))
    for key, short in drawn.shortfall.items():
        if short:
            ui.print(f"Shortfall: {drawn.tally.loc[key, 'Category']}: {short} fewer than wanted "
                     f"({drawn.tally.loc[key, 'Eligible records']} eligible)")
    ui.print(f"Seed: {seed} (give --seed {seed} to draw the same cases again)")
    # The sample is drawn from the lists, so what changes the lists changes the draw.
    _show_warnings(run, ui)
    ui.print(f"Written: {dest}" + (" (encrypted)" if password else ""))
    _finish(run, ui, False, frozenset(), written=False)


@app.command(epilog=VALIDATE_EXIT_CODES_HELP)
@command
def validate(
    input: InputOpt = None,
    config: ConfigOpt = None,
    profile: ProfileOpt = None,
    since: SinceOpt = None,
    as_of: AsOfOpt = None,
    allow_missing: AllowMissingOpt = False,
    strict: StrictOpt = False,
    fail_on: FailOnOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Read and check every export; print the counts per list, the data-quality summary and the warnings. Creates no file.

    Example: ofsted-lists validate --input exports/ --strict
    """
    ui = UI(quiet, verbose)
    cfg = _config(config)
    chosen = _profile(profile, cfg)
    kinds = _fail_on(fail_on, cfg)
    run = _run(input, cfg, since, as_of, allow_missing, ui, chosen)
    _show(run, ui)
    _finish(run, ui, strict, kinds, written=False)


@app.command(epilog=EXIT_CODES_HELP)
@command
def explain(
    child_id: Annotated[str, typer.Argument(metavar="CHILD_ID", help="The child's identifier, as the exports write it.")],
    input: InputOpt = None,
    config: ConfigOpt = None,
    profile: ProfileOpt = None,
    since: SinceOpt = None,
    as_of: AsOfOpt = None,
    allow_missing: AllowMissingOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display (the explanation is still printed).")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Name files and sheets whose names name no table.")] = False,
) -> None:
    """Say why one child is or is not on each list: its records, findings and disability.

    Prints each record read for the child (file, sheet, row), each data-quality finding
    about it, how its disability was decided and, for each list, the rule that put it
    there or kept it off. Names only the child asked about; writes nothing. A child with
    no record in the input is exit code 3.

    Example: ofsted-lists explain C0000444 --as-of 2026-03-31
    """
    from . import explain as explain_mod

    cfg = _config(config)
    chosen = _profile(profile, cfg)
    run = _run(input, cfg, since, as_of, allow_missing, UI(quiet, verbose), chosen)
    out = UI(False, verbose)
    for line in explain_mod.explain(run, cfg, child_id, verbose):
        out.print(line)


@app.command(epilog=EXIT_CODES_HELP)
@command
def inspect(
    input: InputOpt = None,
    config: ConfigOpt = None,
    write_config: Annotated[Path | None, typer.Option("--write-config", metavar="FILE", help="Also write an ofsted-lists.toml for these exports: every heading mapping made, and unused headings, missing columns and unmapped values as comments to confirm.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Let --write-config replace an existing file.")] = False,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Show how each export is read: its table, what each heading maps to, the columns not
    found and the coded values that map to no code (with a best guess). Prints headings and
    coded values only, never a child's details. Missing tables are reported, not an error.

    Example: ofsted-lists inspect --input exports/ --write-config ofsted-lists.toml
    """
    from . import inspection

    ui = UI(quiet, verbose)
    cfg = _config(config)
    if write_config is not None:
        inspection.check_destination(write_config, force)
    with ui.progress() as (progress, _):
        found = inspection.survey(_input_dir(input, cfg), cfg, progress)
    for item in inspection.report(found, verbose):
        ui.print(item if isinstance(item, str) else _table(item.title, item.columns, item.rows, item.right))
    if write_config is not None:
        inspection.write_config(found, write_config, force)
        ui.print(f"Written: {write_config} (check the commented lines before using it)")


@app.command("demo-data", epilog=EXIT_CODES_HELP)
@command
def demo_data(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the synthetic exports into.")] = Path("demo_data"),
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same files).")] = 1,
    children: Annotated[int, typer.Option("--children", min=10, help="Number of children (at least; see --contacts).")] = 2000,
    contacts: Annotated[int | None, typer.Option("--contacts", min=1, help=(
        "Total contacts (default 6 per child). More than 6 × --children raises the number of children to "
        "contacts ÷ 6; fewer leaves --children as it is, with fewer contacts each."))] = None,
    until: Annotated[str | None, typer.Option("--until", help="Last date of activity, YYYY-MM-DD or DD/MM/YYYY (default today).")] = None,
    format: Annotated[str, typer.Option("--format", help=(
        "csv (default), xlsx, cin-xml: the CIN census XML, with CSVs of what the census does not hold "
        "(contacts, early help, strategy discussions that started no enquiry), or ssd: Data to Insight's SSD "
        "extracts (ssd_*.csv), with a CSV of the strategy discussions that started no enquiry."))] = "csv",
    with_returns: Annotated[bool, typer.Option("--with-returns", help=(
        "Add the children in care: the SSDA903 return's CSV files for each collection year and the local "
        "tables of Annex A Lists 8-11 (care leavers, health checks, permanence plans, adopters), with CLA "
        "and IRO visits."))] = False,
    quiet: QuietOpt = False,
) -> None:
    """Write a realistic synthetic export set for a fictional local authority.

    Example: ofsted-lists demo-data --out demo/ --seed 7 --children 5000
    """
    from . import demo

    ui = UI(quiet, False)
    if format not in demo.FORMATS:
        raise UsageError(f"--format must be {', '.join(demo.FORMATS[:-1])} or {demo.FORMATS[-1]}, not '{format}'")
    end = parse_as_of(until, dt.date.today(), option="--until", earliest=demo.EARLIEST_UNTIL)
    _check_writable(out)
    output.ensure_dir(out)
    try:
        counts = demo.generate(out, seed=seed, children=children, contacts=contacts, until=end, fmt=format,
                               progress=ui.note, with_returns=with_returns)
    except OSError as exc:
        raise OutputError(f"cannot write the demo data into {out}: {output.path_problem(exc)}") from None
    ui.print(_table(f"Synthetic exports in {out}", ["Table", "Rows"], [(n, f"{c:,}") for n, c in counts.items()],
                    right={"Rows"}))


@app.callback(invoke_without_command=True)
def main(version: Annotated[bool, typer.Option("--version", help="Show the version and exit.")] = False) -> None:
    if version:
        typer.echo(f"ofsted-lists {__version__}")
        raise typer.Exit(0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
