"""XML as the national returns' readers parse it, with what an attacker could use turned off.

A DfE return has no DTD, so any document type declaration is refused: that alone stops
entity expansion ("billion laughs") and external entities (`file:///etc/passwd`), as
defusedxml does. The prolog (all a DTD can be in) is checked with the standard library's
expat; a document's records are then streamed by lxml's `iterparse` (libxml2, in C: a
reader that walks every element in Python is several times slower), with entities,
network and DTD loading off and libxml2's own limit on a text node kept. A value read
longer than `TEXT_CAP` is refused too, so one huge node cannot take the memory. Messages
name the file and the line, never the document's text (it holds child identifiers and
dates of birth).
"""

from __future__ import annotations

import contextlib
import gc
import io
from collections.abc import Callable
from xml.parsers import expat

import pyarrow as pa
import pyarrow.compute as pc
from lxml import etree

from ..errors import InputError
from ..terminal import safe

# The longest text node a return can hold is a few dozen characters; a few MB is damage.
TEXT_CAP = 4 << 20
_CHUNK = 1 << 20


class Refused(Exception):
    """Raised from inside a parse: the document is not one to read (why, as plain words)."""


class Stop(Exception):
    """Raised from inside a parse by a handler that has seen all it needs."""


def looks_like_xml(raw: bytes) -> bool:
    """Whether the bytes start as an XML document does (after a byte-order mark and space)."""
    head = raw[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<") or raw.startswith((b"\xff\xfe<\x00", b"\xfe\xff\x00<"))


def local(tag: str) -> str:
    """An element name without its namespace (`{uri}` or a `prefix:`)."""
    return tag.rpartition("}")[2].rpartition(":")[2]


def parse(name: str, raw: bytes, start: Callable[[str], None], end: Callable[[str, str], None],
          *, line: list[int] | None = None, partial: bool = False) -> None:
    """Stream `raw` through expat: `start(tag)` at each element's start, `end(tag, text)`
    at its end with its text after its last child element (stripped; a leaf's text is all
    its text; a child's text is never its parent's). `line`,
    when given, holds the current line while a handler runs. A handler may raise `Stop`
    to end the parse early. Any damage, DTD or oversized text node is an InputError.
    `partial`: `raw` is the file's first bytes only, so its end is not checked."""
    p = expat.ParserCreate()
    p.buffer_text = True
    p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    texts: list[list[str]] = []
    sizes: list[int] = []

    def refuse_dtd(*_: object) -> None:
        raise Refused("it declares a document type (DTD), which a DfE return never has; it may be an "
                      "entity-expansion or external-entity attack")

    def on_start(tag: str, _attrs: object) -> None:
        if texts:  # an element with children has no text of its own to read (the space between them)
            texts[-1].clear()
            sizes[-1] = 0
        texts.append([])
        sizes.append(0)
        if line is not None:
            line[0] = p.CurrentLineNumber
        start(local(tag))

    def on_text(data: str) -> None:
        if not texts:
            return
        sizes[-1] += len(data)
        if sizes[-1] > TEXT_CAP:
            raise too_long()
        texts[-1].append(data)

    def on_end(tag: str) -> None:
        text = "".join(texts.pop()).strip()
        sizes.pop()
        if line is not None:
            line[0] = p.CurrentLineNumber
        end(local(tag), text)

    p.StartDoctypeDeclHandler = refuse_dtd
    p.EntityDeclHandler = refuse_dtd
    p.UnparsedEntityDeclHandler = refuse_dtd
    p.ExternalEntityRefHandler = refuse_dtd
    p.StartElementHandler = on_start
    p.EndElementHandler = on_end
    p.CharacterDataHandler = on_text
    try:
        for at in range(0, len(raw), _CHUNK):
            p.Parse(raw[at:at + _CHUNK], False)
        if not partial:
            p.Parse(b"", True)
    except Stop:
        return
    except Refused as why:
        raise InputError(f"{name} is not read: {why}") from None
    except expat.ExpatError as exc:
        # expat's own text says only what is wrong and where, never the document's content.
        raise InputError(f"{name} is not a well-formed XML file (line {exc.lineno}: "
                         f"{expat.ErrorString(exc.code)}): it may be damaged or cut short; export it again") from None
    except RecursionError:
        raise InputError(f"{name} is not read: its elements are nested too deeply for a DfE return") from None


def identify(name: str, raw: bytes, *, partial: bool = False) -> tuple[str, str]:
    """(root element, DfE collection) of an XML document: the collection is the text of
    `Message/Header/CollectionDetails/Collection` ("CIN", "SSDA903"), "" when there is
    none. Parses only as far as it needs to."""
    path: list[str] = []
    found = ["", ""]

    def start(tag: str) -> None:
        if not path:
            found[0] = tag
            if tag != "Message":
                raise Stop
        path.append(tag)
        if tag == "Children":  # past the header
            raise Stop

    def end(tag: str, text: str) -> None:
        if path == ["Message", "Header", "CollectionDetails", "Collection"]:
            found[1] = text
            raise Stop
        path.pop()

    parse(name, raw, start, end, partial=partial)
    return safe(found[0])[:60], safe(found[1])[:30]


# libxml2's error codes -> plain words (its own messages may quote element names).
_LIBXML_ERRORS = {4: "the document is empty", 5: "extra content after the document", 73: "a tag not closed",
                  76: "a start and an end tag that do not match", 77: "the file ends inside an element",
                  201: "an undeclared namespace prefix"}
_TOO_LONG = 114  # XML_ERR_RESOURCE_LIMIT (a text node over libxml2's limit)


def check_prolog(name: str, raw: bytes) -> None:
    """Refuse a document type declaration: it can only stand before the root element, so
    the parse stops there."""
    def start(_: str) -> None:
        raise Stop

    parse(name, raw, start, lambda tag, text: None, partial=True)


def too_long() -> Refused:
    return Refused(f"it holds a text node longer than {TEXT_CAP:,} characters, which no DfE return has")


def records(name: str, raw: bytes | io.RawIOBase, tags: tuple[str, ...],
            each: Callable[[etree._Element], None]) -> None:
    """Call `each` with every element named in `tags` (any namespace), complete with its
    subtree, in document order; each is freed, with the records before it, once `each`
    returns. `each` reads values with `text`. Any damage, DTD or oversized text node is
    an InputError. `raw`: a document's bytes, or a stream of one part of a document whose
    prolog `check_prolog` has passed (`xml_parts`)."""
    if isinstance(raw, (bytes, bytearray)):
        check_prolog(name, raw)
        raw = io.BytesIO(raw)
    stream = etree.iterparse(raw, events=("end",), tag=[f"{{*}}{t}" for t in tags],
                             resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             remove_comments=True, remove_pis=True)
    try:
        for _, element in stream:
            each(element)
            element.clear(keep_tail=False)
            parent = element.getparent()
            while element.getprevious() is not None:
                del parent[0]
    except Refused as why:
        raise InputError(f"{name} is not read: {why}") from None
    except etree.XMLSyntaxError as exc:
        if exc.code == _TOO_LONG:
            raise InputError(f"{name} is not read: {too_long()}") from None
        what = _LIBXML_ERRORS.get(exc.code, "a syntax error")
        raise InputError(f"{name} is not a well-formed XML file (line {exc.lineno}: {what}): it may be damaged "
                         "or cut short; export it again") from None


def text(element: etree._Element) -> str | None:
    """An element's own text, stripped; None when blank. Longer than `TEXT_CAP`: refused."""
    value = element.text
    if value is None:
        return None
    if len(value) > TEXT_CAP:
        raise too_long()
    return value.strip() or None


def text_column(values) -> pa.Array:
    """Values as an XML reader's table holds them: text, stripped, a blank as null. A
    value longer than `TEXT_CAP`: Refused (one check per column, not per value).

    Strings only (no None: "" is a blank) take the fast way: joined on NUL, which no XML
    text can hold, and split by Arrow, not converted one Python object at a time."""
    try:
        joined = "\x00".join(values)
    except TypeError:  # a None among them
        text = pa.array(values, type=pa.string())
    else:
        text = pc.split_pattern(pa.array([joined], type=pa.large_string()), "\x00").flatten().cast(pa.string()) \
            if len(values) else pa.array([], type=pa.string())
    if len(text) and (pc.max(pc.utf8_length(text)).as_py() or 0) > TEXT_CAP:
        raise too_long()
    text = pc.utf8_trim_whitespace(text)
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)


@contextlib.contextmanager
def no_gc():
    """The cyclic garbage collector paused: a reader making millions of small lists and
    strings (none in a cycle) would otherwise spend a third of its time in it."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def frame(body: pa.Table, lines, file: str):
    """An XML reader's table as the read stage returns every table: text columns, with
    `_file`, `_sheet` (none) and `_row` (the line of each record's element)."""
    from .cms import _text_dtype

    out = body.to_pandas(types_mapper=_text_dtype)
    out["_row"] = lines
    out.insert(0, "_sheet", "")
    out.insert(0, "_file", file)
    return out
