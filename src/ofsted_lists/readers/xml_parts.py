"""A large XML return read in two parts at once, one in a second interpreter.

A census of 180 MB takes seconds of Python per record (lxml hands each `Child` to a
Python function): one core's work, on servers that have two. `cut` finds a record's end
tag near the middle; this process reads the first part, a fresh interpreter (never a
fork of this threaded process) reads the second, streamed to it through a pipe, and
sends back its tables as Arrow IPC. Each part is made a document of its own: the first
closed with the end tags of the records' ancestors, the second opened with the XML
declaration and their start tags (namespaces as declared), on one line, so that a line in
the second part plus the line breaks before the cut is the file's line.

Both parts parsing is the whole document parsing: the first part leaves exactly those
ancestors open and the second closes exactly them. Anything else (a cut inside a comment,
damage in either part, a worker that fails or dies) makes the caller read the document
whole, as if it had not been cut, so what is refused and why never depends on the cut.
Nothing is written to disk: the second part crosses in a pipe. The second interpreter is
started ahead (`prestart`, by the read stage as it lists a large census), so that its start
overlaps the reading of the file rather than the parse.
"""

from __future__ import annotations

import atexit
import importlib
import io
import json
import os
import struct
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
from lxml import etree

from ..excel_worker import _widen
from . import xmlsafe

# Smaller than this, a second interpreter's start (a few tenths of a second) costs more
# than the second core saves.
MIN_BYTES = 16 << 20
# The share of the document this process reads: the worker starts later (a new interpreter
# and its imports, about 0.3 s) and its tables cross a pipe, so it is given less.
FIRST_SHARE = 0.54
_HEAD_BYTES = 1 << 16  # the ancestors' start tags lie in a return's first few hundred bytes
_SEND = 4 << 20  # one write per 4 MB: the writing thread waits for the GIL once per write
_FRAME = struct.Struct("<IQ")  # name length, IPC bytes; a name length of 0 ends the answer


@dataclass(frozen=True)
class Cut:
    """Where a document of records is cut in two, and what makes each part a document."""

    at: int  # the second part starts here, just after a record's end tag
    lines: int  # line breaks before `at`
    opening: bytes  # the declaration and the ancestors' start tags, for the second part
    closing: bytes  # the ancestors' end tags, for the first part


def cut(raw: bytes, ancestors: tuple[str, ...], record: str) -> Cut | None:
    """Where to cut `raw` (whose prolog `xmlsafe` has checked): after the first `record`
    end tag past `FIRST_SHARE` of it, the records lying directly in `ancestors` (from the root).
    None: too small, not a byte-compatible encoding, or no such tag (read it whole)."""
    if len(raw) < MIN_BYTES or raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:256]:
        return None
    body = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
    declaration = b""
    if raw.startswith(b"<?xml", body):
        end = raw.find(b"?>", body)
        declaration = raw[body:end + 2] if end > 0 else b""
    opened = _ancestors(raw[:_HEAD_BYTES], ancestors)
    if opened is None or b"\n" in declaration or b"\r" in declaration:
        return None
    prefix = opened[-1][0]
    end_tag = b"</" + (prefix.encode() + b":" if prefix else b"") + record.encode() + b">"
    at = raw.find(end_tag, int(len(raw) * FIRST_SHARE))
    if at < 0:
        return None
    at += len(end_tag)
    opening = declaration + b"".join(_start_tag(p, name, decls) for p, name, decls in opened)
    closing = b"".join(b"</" + _qname(p, name) + b">" for p, name, _ in reversed(opened))
    return Cut(at, raw.count(b"\n", 0, at), opening, closing)


def _ancestors(head: bytes, names: tuple[str, ...]) -> list[tuple[str | None, str, dict]] | None:
    """(prefix, local name, namespaces it declares) of each of `names`, root first, as
    the document's first bytes open them (other elements may come between: a header);
    None when they do not."""
    path: list = []
    try:
        for event, element in etree.iterparse(io.BytesIO(head), events=("start", "end"), resolve_entities=False,
                                              no_network=True, load_dtd=False):
            if event == "end":
                path.pop()
                continue
            path.append(element)
            if [xmlsafe.local(e.tag) for e in path] != list(names[:len(path)]):
                if len(path) == 1:
                    return None  # another root
                continue
            if len(path) == len(names):
                found, inherited = [], {}
                for e in path:
                    found.append((e.prefix, xmlsafe.local(e.tag),
                                  {p: uri for p, uri in e.nsmap.items() if inherited.get(p) != uri}))
                    inherited = dict(e.nsmap)
                return found
    except etree.XMLSyntaxError:
        return None
    return None


def _qname(prefix: str | None, name: str) -> bytes:
    return ((prefix + ":") if prefix else "").encode() + name.encode()


def _start_tag(prefix: str | None, name: str, declared: dict) -> bytes:
    decls = "".join(f' xmlns{":" + p if p else ""}="{uri}"' for p, uri in declared.items())
    return b"<" + _qname(prefix, name) + decls.encode() + b">"


class FirstPart(io.RawIOBase):
    """`raw` up to the cut, then the ancestors' end tags, read as a file (no copy of `raw`)."""

    def __init__(self, raw: bytes, where: Cut) -> None:
        self.pieces = [memoryview(raw)[:where.at], memoryview(where.closing)]

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        while self.pieces and not len(self.pieces[0]):
            self.pieces.pop(0)
        if not self.pieces:
            return b""
        head = self.pieces[0]
        n = len(head) if n is None or n < 0 else n
        out, self.pieces[0] = bytes(head[:n]), head[n:]
        return out


# The worker's program. It registers the readers package as a bare package of its folder
# before importing from it, so that the package's `__init__` (pandas and every reader, half a
# second of a fresh interpreter's start) never runs there: a reader module's parse imports
# only lxml, pyarrow and `xmlsafe`, and the second part starts parsing that much sooner.
BARE_PACKAGE = f"""
import sys, types
import ofsted_lists
package = types.ModuleType({__package__!r})
package.__path__ = [{str(Path(__file__).resolve().parent)!r}]
sys.modules[{__package__!r}] = package
"""
WORKER = BARE_PACKAGE + f"from {__name__} import main\nmain(sys.argv[1])\n"


def _spawn(module: str) -> subprocess.Popen:
    src = str(Path(__file__).resolve().parents[2])
    path = os.environ.get("PYTHONPATH")
    env = {**os.environ, "PYTHONPATH": src + (os.pathsep + path if path else "")}
    proc = subprocess.Popen([sys.executable, "-c", WORKER, module], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=env)
    for pipe in (proc.stdin, proc.stdout):
        _widen(pipe.fileno())
    return proc


# A worker started ahead (`prestart`), by the reader module it imports; at most one waits.
_ready: dict[str, subprocess.Popen] = {}
_ready_lock = threading.Lock()


def prestart(module: str) -> None:
    """Start a worker for `module`'s parts now, while the file is still being read: a new
    interpreter and its imports take a few tenths of a second, which then overlap the
    parent's reading and hashing of the file instead of the parse."""
    with _ready_lock:
        if _ready:
            return
        try:
            _ready[module] = _spawn(module)
        except OSError:
            pass  # none to be had: SecondPart tries again, and fails to a whole read


def discard() -> None:
    """Stop a worker started ahead that no read took (the file was small, or not cut)."""
    with _ready_lock:
        waiting = list(_ready.values())
        _ready.clear()
    for proc in waiting:
        _stop(proc)


def _take(module: str) -> subprocess.Popen | None:
    with _ready_lock:
        proc = _ready.pop(module, None)
    if proc is not None and proc.poll() is not None:  # it has died: start another
        _stop(proc)
        return None
    return proc


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    for pipe in (proc.stdin, proc.stdout):
        try:
            pipe.close()
        except OSError:
            pass


atexit.register(discard)


class SecondPart:
    """The second part of `raw`, parsed by `<module>.part(stream, *args)` in a fresh
    interpreter from the moment this is made. Its tables are received by a thread as the
    worker sends them, while this process reads the first part; `tables()` waits for the
    last."""

    def __init__(self, raw: bytes, where: Cut, module: str, args: list[str]) -> None:
        self.proc = _take(module) or _spawn(module)
        request = (json.dumps(args) + "\n").encode()
        self.sender = threading.Thread(target=self._send, args=(request + where.opening,
                                                                memoryview(raw)[where.at:]), daemon=True)
        self.sender.start()
        self.answer: dict[str, pa.Table] | None = None
        self.receiver = threading.Thread(target=self._receive, daemon=True)
        self.receiver.start()

    def _send(self, opening: bytes, body: memoryview) -> None:
        fd = self.proc.stdin.fileno()
        try:
            for piece in (memoryview(opening), *(body[i:i + _SEND] for i in range(0, len(body), _SEND))):
                while len(piece):
                    piece = piece[os.write(fd, piece):]
        except OSError:
            pass  # the worker has gone: `tables` says so
        finally:
            self.proc.stdin.close()

    def _receive(self) -> None:
        out: dict[str, pa.Table] = {}
        stream = self.proc.stdout
        try:
            while True:
                head = stream.read(_FRAME.size)
                if len(head) < _FRAME.size:
                    return
                size, length = _FRAME.unpack(head)
                if not size:
                    break
                name = stream.read(size).decode()
                body = stream.read(length)
                if len(body) < length:
                    return
                out[name] = pa.ipc.open_stream(body).read_all()
        except (OSError, pa.ArrowInvalid, UnicodeDecodeError):
            return
        self.answer = out

    def tables(self) -> dict[str, pa.Table] | None:
        """The worker's tables by name; None when it failed (read the document whole)."""
        self.receiver.join()
        return self.answer if self.answer is not None and self.proc.wait() == 0 else None

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.sender.join()
        self.receiver.join()  # the worker's end closed its side of the pipe
        self.proc.stdout.close()


def main(module: str) -> None:
    """The worker for the reader `module`: imported at once (its start may come before
    the file is read: `prestart`); then a line of its arguments (JSON) and the second
    part on stdin; each table `part` yields sent at once as framed Arrow IPC on stdout.
    Any failure is exit 1 and nothing more said: the parent reads the document whole."""
    out = sys.stdout.buffer
    try:
        reader = importlib.import_module(f"ofsted_lists.readers.{module}")
        for name, table in reader.part(sys.stdin.buffer, *json.loads(sys.stdin.buffer.readline())):
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, table.schema) as writer:
                writer.write_table(table)
            data = sink.getvalue()
            out.write(_FRAME.pack(len(name.encode()), data.size) + name.encode())
            out.write(data)
            out.flush()
        out.write(_FRAME.pack(0, 0))
        out.flush()
    except Exception:  # noqa: BLE001  (whatever it is, the whole-document read will say it)
        sys.exit(1)
    os._exit(0)  # all is sent: the interpreter's teardown would only keep the parent waiting


if __name__ == "__main__":
    main(sys.argv[1])
