"""What may reach the terminal: control characters escaped, names of files counted.

Every line the CLI prints passes through `safe`, so a file name, a config key or a cell
holding `ESC[2J` cannot clear the screen, move the cursor, overwrite a line with CR or
reorder text with a bidi override. A file or sheet name can itself be personal data
(`C0000444 Jane Smith DOB 01-06-2015.pdf`), so without --verbose unread files are
counted by kind (`describe_unread`), never named.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path, PurePath

from .errors import UserError

_BIDI = [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029]
_ESCAPES = {cp: f"\\x{cp:02x}" for cp in (*range(0x00, 0x20), *range(0x7F, 0xA0))}
_ESCAPES.update({cp: f"\\u{cp:04x}" for cp in _BIDI})


def safe(text: object) -> str:
    """`text` with C0 and C1 control characters (ESC, CR, newline, …), DEL and bidi
    overrides written as visible escapes (`\\x1b`, `\\u202e`)."""
    return str(text).translate(_ESCAPES)


# Extensions common enough to say nothing about the person a file is about.
_KNOWN_EXTENSIONS = {
    ".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".pdf", ".doc", ".docx", ".odt",
    ".rtf", ".ppt", ".pptx", ".msg", ".eml", ".zip", ".7z", ".gz", ".json", ".xml", ".html", ".htm",
    ".png", ".jpg", ".jpeg", ".gif", ".log", ".sql", ".bak", ".tmp", ".dat", ".parquet", ".md",
}


def kind_of(name: str) -> str:
    """A file's extension when it is a common one, else "other": never more of the name."""
    suffix = PurePath(name).suffix.lower()
    return suffix if suffix in _KNOWN_EXTENSIONS else "other"


def _plural(n: int, word: str) -> str:
    if n == 1:
        return f"{n} {word}"
    return f"{n} {word[:-1]}ies" if word.endswith("y") else f"{n} {word}s"


def count_files(names: list[str]) -> str:
    """`2 files (1 .pdf, 1 .csv)`: how many, and their kinds, without their names."""
    kinds = Counter(kind_of(n) for n in names)
    return f"{_plural(len(names), 'file')} ({', '.join(f'{k_n} {k}' for k, k_n in kinds.items())})"


def describe_unread(entries: list[str], workbooks: set[str], verbose: bool) -> str:
    """The files and sheets not read (`"file"` or `"file [sheet]"` entries, as
    `ReadResult.unrecognised` holds them): named with --verbose, else counted."""
    if verbose:
        return ", ".join(safe(e) for e in entries)
    files, sheets = [], 0
    for entry in entries:
        head, sep, _ = entry.rpartition(" [")
        if sep and entry.endswith("]") and head in workbooks:
            sheets += 1
        else:
            files.append(entry)
    parts = ([count_files(files)] if files else []) + ([_plural(sheets, "sheet")] if sheets else [])
    return " and ".join(parts) + "; --verbose names them"


def describe_skipped(skipped: list[tuple[str, str]], verbose: bool) -> str:
    """Entries named like exports that are no files ((name, why)): named with --verbose,
    else counted by why."""
    if verbose:
        return ", ".join(f"{safe(name)} (a {why})" for name, why in skipped)
    whys = Counter(why for _, why in skipped)
    return (f"{_plural(len(skipped), 'entry')} named like an export that is not a file "
            f"({', '.join(f'{n} {why}' for why, n in whys.items())}); --verbose names them")


def without_file_names(exc: UserError, folder: Path, config) -> UserError:
    """`exc` with the names of `folder`'s files that are no recognised input (`C0000444 Jane
    Smith.xlsx`) replaced by their kind; the message with the names becomes its --verbose
    text. A name that names a table (`contacts_2026.csv`) stays: it says nothing personal;
    so does a national return's (a CIN census XML), which the LA's system named."""
    from . import readers  # heavy, and needed only when an error is reported

    try:
        names = [p.name for p in readers.input_files(folder) if not readers.names_input(p, config)]
    except UserError:
        return exc
    text = str(exc)
    for name in sorted(names, key=len, reverse=True):  # a longer name may contain a shorter one
        text = text.replace(name, f"a {kind_of(name)} file (--verbose names it)")
    if text == str(exc):
        return exc
    return type(exc)(text, verbose=exc.verbose or str(exc))
