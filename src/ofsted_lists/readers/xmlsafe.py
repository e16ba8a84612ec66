"""XML as the national returns' readers parse it: the standard library's expat, streamed,
with what an attacker could use turned off.

A DfE return has no DTD, so any document type declaration is refused: that alone stops
entity expansion ("billion laughs") and external entities (`file:///etc/passwd`), as
defusedxml does, without a dependency. A text node longer than `TEXT_CAP` is refused
too, so one huge node cannot take the memory. Messages name the file and the line,
never the document's text (it holds child identifiers and dates of birth).
"""

from __future__ import annotations

from collections.abc import Callable
from xml.parsers import expat

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
    """An element name without its namespace prefix."""
    return tag.rpartition(":")[2]


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
            raise Refused(f"it holds a text node longer than {TEXT_CAP:,} characters, which no DfE return has")
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
