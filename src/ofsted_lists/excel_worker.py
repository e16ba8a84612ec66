"""Excel parsing in child processes, so that a hostile workbook cannot take the tool down.

calamine (through fastexcel) allocates a sheet's whole used range at once and aborts
the process when an allocation fails: a 5 KB workbook with one cell at XFD1048576 asks
for 512 GiB. A damaged .xls can make it panic, abort or loop. So the parent never loads
calamine: each workbook is parsed by a process of its own, held to a memory budget
(RLIMIT_AS) and a time limit (SIGALRM) set by the file's size; an abort, a panic, a
timeout or running out of that memory becomes an `InputError` naming the file.

A worker (`python -m ofsted_lists.excel_worker`, a fresh interpreter started with
subprocess, never a fork of the threaded parent) imports fastexcel and pyarrow once and
then forks one short-lived parser per workbook: it starts in milliseconds, its memory is
all given back when it exits, and its death leaves the worker serving the next file.
The worker runs no threads of its own (pyarrow's idle pool and jemalloc's background
thread are fork-aware).

Protocol over the worker's stdin and stdout (pipes; nothing touches the disk):
request = struct "<QQdI" (workbook size, memory budget in bytes, seconds, options size),
          then the options (JSON: "sheets": [name, ...] to send only those sheets,
          "first_column_except": [name, ...] to send only column A of every sheet not
          named; {} sends every sheet whole), then the bytes;
reply   = from the parser, JSON lines {"sheet": name, "bytes": n} each followed by n bytes
          of one Arrow IPC stream (that sheet, every cell as text), then {"end": true},
          or {"error": "open" | "sheet" | "memory", "sheet": name}; then, from the
          worker, {"status": exit status of the parser (negative: killed by that signal)}.
stderr is discarded: Rust's panic and allocation messages may quote cell content.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

_HEADER = struct.Struct("<QQdI")

# The bounds (README "Data handling"). Address space a parse may add on top of the child's
# own (interpreter, libraries, the workbook bytes): a fixed part plus a multiple of the
# file's size. The 40 MB contacts workbook of a million contacts parses within 0.85 GB
# (of its 1.3 GB); a file under 10 MB gets at most 0.7 GB, so its parse process stays
# under 1 GB resident.
MEMORY_BASE = 512 << 20
MEMORY_PER_FILE_BYTE = 20
# Seconds a parse may take: a fixed part plus a part per MB (40 MB of contacts take ~5 s).
TIME_BASE = 30.0
TIME_PER_MB = 2.0
# A workbook whose parts would unpack to more than this multiple of its size (with at
# least UNPACKED_FLOOR allowed) is padding, not data; real exports unpack to about 8×.
UNPACKED_RATIO = 64
UNPACKED_FLOOR = 1 << 30
# The parent gives up on a worker this long after the parser's own time limit.
GRACE_SECONDS = 15.0


def memory_budget(size: int) -> int:
    return MEMORY_BASE + MEMORY_PER_FILE_BYTE * size


def time_limit(size: int) -> float:
    return TIME_BASE + TIME_PER_MB * size / 1e6


@dataclass
class ParseFailure(Exception):
    """What went wrong in the child, in terms safe to show: never a cell's content."""

    kind: str  # "open", "sheet", "memory", "died", "timeout"
    sheet: str | None = None
    signal: int | None = None


# --------------------------------------------------------------------------- the parent side


def _widen(fd: int) -> None:
    """A 1 MiB pipe buffer instead of 64 KiB: a sheet of 100 MB then crosses in 100
    handovers between the processes, not 1,600 (each a wait for the other to run)."""
    try:
        import fcntl

        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except (ImportError, OSError):
        pass  # not Linux, or above the system's pipe-max-size: the default buffer works


class Worker:
    """One child process, serving one request at a time."""

    def __init__(self) -> None:
        src = str(Path(__file__).resolve().parents[1])
        path = os.environ.get("PYTHONPATH")
        env = {**os.environ, "PYTHONPATH": src + (os.pathsep + path if path else "")}
        # A new interpreter (no fork of this threaded process) that imports only pyarrow
        # and fastexcel.
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ofsted_lists.excel_worker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
        )
        for pipe in (self.proc.stdin, self.proc.stdout):
            _widen(pipe.fileno())

    def parse(self, box: list[bytes], budget: int, seconds: float,
              options: dict | None = None) -> list[tuple[str, object]]:
        """[(sheet, pyarrow.Table)] of the workbook in `box` (emptied once it is sent), in
        workbook order; raises ParseFailure. `options`: see `parse`."""
        import pyarrow as pa

        # A backstop: the parser stops itself at `seconds`; a worker that never answers is killed.
        fired = threading.Event()

        def stop() -> None:
            fired.set()
            self.close()

        timer = threading.Timer(seconds + GRACE_SECONDS, stop)
        timer.daemon = True
        timer.start()
        try:
            raw = box.pop()
            request = json.dumps(options or {}).encode()
            try:
                self.proc.stdin.write(_HEADER.pack(len(raw), budget, seconds, len(request)))
                self.proc.stdin.write(request)
                self.proc.stdin.write(raw)
                self.proc.stdin.flush()
            except (OSError, ValueError):
                pass  # the worker is gone: no reply comes (below)
            del raw
            sheets, outcome = [], None
            while (msg := self._message()) is not None:
                if "status" in msg:
                    return self._finish(sheets, outcome, msg["status"])
                if "error" in msg or msg.get("end"):
                    outcome = msg
                    continue
                body = self._exactly(msg["bytes"])
                if body is None:
                    break
                sheets.append((msg["sheet"], pa.ipc.open_stream(pa.py_buffer(body)).read_all()))
        finally:
            timer.cancel()
        self.close()  # the worker itself died or was stopped: never reused
        raise ParseFailure("timeout" if fired.is_set() else "died")

    @staticmethod
    def _finish(sheets: list, outcome: dict | None, status: int) -> list[tuple[str, object]]:
        if outcome and "error" in outcome:
            raise ParseFailure(outcome["error"], outcome.get("sheet"))
        if outcome and outcome.get("end"):
            return sheets
        if status == -signal.SIGALRM:
            raise ParseFailure("timeout")
        if status < 0:
            raise ParseFailure("died", signal=-status)
        # An uncaught Python error in the parser: a bug, not the input.
        raise RuntimeError(f"the Excel parse process failed (exit {status})")

    def _message(self) -> dict | None:
        try:
            line = self.proc.stdout.readline()
        except (OSError, ValueError):
            return None
        if not line.endswith(b"\n"):
            return None
        try:
            return json.loads(line)
        except ValueError:
            return None

    def _exactly(self, n: int) -> bytearray | None:
        buf = bytearray(n)
        view, got = memoryview(buf), 0
        try:
            while got < n:
                k = self.proc.stdout.readinto(view[got:])
                if not k:
                    return None
                got += k
        except (OSError, ValueError):
            return None
        return buf

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass


class Pool:
    """Idle children, handed out one per file being read and taken back after."""

    def __init__(self) -> None:
        self._idle: list[Worker] = []
        self._lock = threading.Lock()

    def prestart(self, n: int) -> None:
        """Start children now so their start-up overlaps the parent's own work."""
        with self._lock:
            while len(self._idle) < n:
                self._idle.append(Worker())

    def parse(self, box: list[bytes], budget: int, seconds: float,
              options: dict | None = None) -> list[tuple[str, object]]:
        with self._lock:
            worker = self._idle.pop() if self._idle else None
        worker = worker or Worker()
        try:
            return worker.parse(box, budget, seconds, options)
        finally:
            if worker.alive:
                with self._lock:
                    self._idle.append(worker)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.close()


POOL = Pool()
# Keep idle children between reads (a test session reads hundreds of workbooks); the CLI
# reads once and closes them after.
KEEP_WARM = False
atexit.register(POOL.close)


def parse(workbook: bytes | list[bytes], *, sheets: Collection[str] | None = None,
          first_column_except: Collection[str] | None = None) -> list[tuple[str, object]]:
    """Every sheet of the workbook as a pyarrow table of text, in a parse process held to
    the bounds above; raises ParseFailure. Given as `[bytes]`, the list is emptied once
    the bytes are sent, so the caller need not keep them through the parse.

    `sheets` given: only the sheets of those names are parsed (the others are passed
    over). `first_column_except` given: only column A (absent when the sheet has none) of
    each sheet not named in it crosses to this process, every column of those named."""
    box = workbook if isinstance(workbook, list) else [workbook]
    size = len(box[0])
    options = {key: sorted(value) for key, value in
               (("sheets", sheets), ("first_column_except", first_column_except)) if value is not None}
    return POOL.parse(box, memory_budget(size), time_limit(size), options)


# --------------------------------------------------------------------------- the child side


def _vm_size() -> int | None:
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _cap_memory(extra: int) -> None:
    """Cap this process's address space at what it uses now plus `extra`."""
    try:
        import resource
    except ImportError:  # not POSIX: no cap; the time limit still holds
        return
    now = _vm_size()
    if now is None:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = now + extra if hard == resource.RLIM_INFINITY else min(now + extra, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def _read_exactly(stream, n: int) -> bytes | None:
    chunks, got = [], 0
    while got < n:
        chunk = stream.read(n - got)
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks) if len(chunks) != 1 else chunks[0]


class _Pipe:
    """`out` for pyarrow: its buffers go to the pipe's fd as they are, not copied into bytes."""

    def __init__(self, out) -> None:
        self._fd = out.fileno()
        self.closed = False

    def write(self, data) -> int:
        view = memoryview(data).cast("B")
        done = 0
        while done < len(view):
            done += os.write(self._fd, view[done:])
        return done

    def flush(self) -> None:
        pass


def _first_column(column) -> bool:
    return column.absolute_index == 0


def _serve(box: list[bytes], out, seconds: float, options: dict) -> None:
    """Parse `raw` and send every sheet; runs in the forked parser. The alarm (whose
    default action ends the process) is off while a frame is written, so that a frame is
    never cut in half."""
    import fastexcel
    import pyarrow as pa

    deadline = time.monotonic() + seconds

    def alarm(on: bool) -> None:
        left = deadline - time.monotonic()
        if on and left <= 0:
            os.kill(os.getpid(), signal.SIGALRM)
        signal.setitimer(signal.ITIMER_REAL, left if on else 0)

    def send(msg: dict) -> None:
        alarm(False)
        out.write(json.dumps(msg).encode() + b"\n")
        out.flush()

    wanted, whole = options.get("sheets"), options.get("first_column_except")
    alarm(True)
    try:
        reader = fastexcel.read_excel(box.pop())  # calamine keeps its own copy; ours is freed
        names = [n for n in reader.sheet_names if wanted is None or n in wanted]
    except MemoryError:
        return send({"error": "memory"})
    except BaseException as exc:  # pyo3's PanicException derives from BaseException
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return send({"error": "open"})
    for name in names:
        try:
            use = None if whole is None or name in whole else _first_column
            table = reader.load_sheet(name, header_row=None, dtypes="string", skip_rows=0, use_columns=use).to_arrow()
        except MemoryError:
            return send({"error": "memory", "sheet": name})
        except BaseException as exc:
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            return send({"error": "sheet", "sheet": name})
        counter = pa.MockOutputStream()
        with pa.ipc.new_stream(counter, table.schema) as writer:
            writer.write(table)
        send({"sheet": name, "bytes": counter.size()})
        with pa.ipc.new_stream(pa.PythonFile(_Pipe(out), "wb"), table.schema) as writer:
            writer.write(table)
        del table
        alarm(True)
    send({"end": True})


def _parse_in_fork(box: list[bytes], budget: int, seconds: float, options: dict, out) -> int:
    """Fork a parser for the workbook in `box` (emptied); its exit status once it has ended."""
    pid = os.fork()
    if pid == 0:  # the parser: never returns
        code = 1
        try:
            _cap_memory(budget)
            _serve(box, out, seconds, options)
            code = 0
        except MemoryError:
            try:
                out.write(json.dumps({"error": "memory"}).encode() + b"\n")
                out.flush()
                code = 0
            except BaseException:
                pass
        finally:
            os._exit(code)
    box.clear()  # the parser has the pages; the worker lets go of its copy while it waits
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def main() -> None:
    stdin, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but replies goes to the pipe
    import fastexcel  # noqa: F401  (loaded once, before the first fork)
    import pyarrow.ipc  # noqa: F401

    while (head := _read_exactly(stdin, _HEADER.size)) is not None:
        size, budget, seconds, options_size = _HEADER.unpack(head)
        options = _read_exactly(stdin, options_size)
        box = [_read_exactly(stdin, size)]
        if options is None or box[0] is None:
            return
        status = _parse_in_fork(box, budget, seconds, json.loads(options or b"{}"), out)
        out.write(json.dumps({"status": status}).encode() + b"\n")
        out.flush()


if __name__ == "__main__":
    main()
