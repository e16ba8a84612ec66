"""Hand-built workbooks for the hostile-input tests: tiny .xlsx parts written with zipfile
and a minimal BIFF8 .xls (no writer for .xls is installed), so no binary is committed."""

from __future__ import annotations

import io
import struct
import zipfile

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '{sheets}'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '</Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
# Style 1 is a date (built-in number format 14), so a number in a cell with s="1" is a date.
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '</styleSheet>'
)
HEADER = ("child_id", "contact_id", "contact_date")


def cell(ref: str, value: str, kind: str = "inlineStr", style: int = 0) -> str:
    s = f' s="{style}"' if style else ""
    if kind == "inlineStr":
        return f'<c r="{ref}" t="inlineStr"{s}><is><t>{value}</t></is></c>'
    if kind == "n":
        return f'<c r="{ref}"{s}><v>{value}</v></c>'
    return f'<c r="{ref}" t="{kind}"{s}><v>{value}</v></c>'


def contacts_rows(n: int = 3) -> list[str]:
    """A header and `n` records of a contacts table, as sheet XML rows."""
    rows = [f'<row r="1">{"".join(cell(f"{c}1", h) for c, h in zip("ABC", HEADER))}</row>']
    for i in range(2, n + 2):
        rows.append(f'<row r="{i}">{cell(f"A{i}", f"C{i}")}{cell(f"B{i}", f"K{i}")}'
                    f'{cell(f"C{i}", "2025-06-01")}</row>')
    return rows


def sheet_xml(rows: list[str], dimension: str | None = None) -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'{dim}<sheetData>{"".join(rows)}</sheetData></worksheet>')


def xlsx(sheets: dict[str, str | bytes]) -> bytes:
    """A workbook of the given sheets, {name: sheet XML}."""
    names = list(sheets)
    workbook = ('<?xml version="1.0" encoding="UTF-8"?>'
                '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
                + "".join(f'<sheet name="{n}" sheetId="{i}" r:id="rId{i}"/>' for i, n in enumerate(names, 1))
                + "</sheets></workbook>")
    rels = ('<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                      f'relationships/worksheet" Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(names) + 1))
            + f'<Relationship Id="rId{len(names) + 1}" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/styles" Target="styles.xml"/></Relationships>')
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                        for i in range(1, len(names) + 1))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES.format(sheets=overrides))
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", workbook)
        z.writestr("xl/_rels/workbook.xml.rels", rels)
        z.writestr("xl/styles.xml", _STYLES)
        for i, name in enumerate(names, 1):
            z.writestr(f"xl/worksheets/sheet{i}.xml", sheets[name])
    return buf.getvalue()


class _Bits:
    """Deflate's bit order: values least significant bit first, Huffman codes most first."""

    def __init__(self) -> None:
        self.out, self.acc, self.n = bytearray(), 0, 0

    def value(self, v: int, nbits: int) -> None:
        self.acc |= v << self.n
        self.n += nbits
        while self.n >= 8:
            self.out.append(self.acc & 0xFF)
            self.acc >>= 8
            self.n -= 8

    def code(self, c: int, nbits: int) -> None:
        self.value(int(format(c, f"0{nbits}b")[::-1], 2), nbits)

    def literal(self, byte: int) -> None:  # the fixed Huffman code of a literal byte
        self.code(0x30 + byte, 8) if byte < 144 else self.code(0x190 + byte - 144, 9)

    def repeat_258(self) -> None:  # "copy 258 bytes from 1 back": length code 285, distance code 0
        self.code(0xC0 + 5, 8)
        self.code(0, 5)


def deflate_padded(head: bytes, padding: int, tail: bytes) -> bytes:
    """Raw deflate of head + b" " * padding + tail, in milliseconds: 13 bits per 258
    spaces, a run of eight of them being 13 identical bytes."""
    bits = _Bits()
    bits.value(1, 1)
    bits.value(1, 2)  # the last block; fixed Huffman codes
    for b in head + b" ":
        bits.literal(b)
    groups, rest = divmod(padding - 1, 258 * 8)
    if groups >= 2:
        for _ in range(8):
            bits.repeat_258()
        at = len(bits.out)
        for _ in range(8):
            bits.repeat_258()
        bits.out += bits.out[at:] * (groups - 2)  # the bit phase repeats every eight
    else:
        for _ in range(8 * groups):
            bits.repeat_258()
    for b in b" " * rest + tail:
        bits.literal(b)
    bits.code(0, 7)  # end of block
    bits.value(0, 7)
    return bytes(bits.out)


def padded_xlsx(padding: int, *, lie: bool = False) -> bytes:
    """A contacts workbook whose first cell holds `padding` spaces after its text
    (2 GiB of them take 13 MB). With `lie`, its zip headers claim the sheet is 1 KB."""
    head, tail = sheet_xml(contacts_rows()).split("</t>", 1)
    data = deflate_padded(head.encode(), padding, ("</t>" + tail).encode())
    size = len(head) + padding + len("</t>" + tail)
    book = xlsx({"contacts": "<placeholder/>"})
    # No CRC: computing it over gigabytes would take seconds; a reader checks it last.
    return _swap_member(book, "xl/worksheets/sheet1.xml", data, 0, 1024 if lie else min(size, 0xFFFFFFFF))


def _swap_member(book: bytes, name: str, deflated: bytes, crc: int, size: int) -> bytes:
    """`book` with member `name` replaced by already-deflated data, its headers saying `size`."""
    src = zipfile.ZipFile(io.BytesIO(book))
    out = io.BytesIO()
    central = []
    for info in src.infolist():
        if info.filename == name:
            body, c, csize, usize = deflated, crc, len(deflated), size
        else:
            body = book[info.header_offset + 30 + len(info.filename) + len(info.extra):][:info.compress_size]
            c, csize, usize = info.CRC, info.compress_size, info.file_size
        fname = info.filename.encode()
        offset = out.tell()
        out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0, c, csize, usize & 0xFFFFFFFF,
                              len(fname), 0) + fname + body)
        central.append(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, c, csize,
                                   usize & 0xFFFFFFFF, len(fname), 0, 0, 0, 0, 0, offset) + fname)
    start = out.tell()
    for entry in central:
        out.write(entry)
    end = out.tell()
    out.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(central), len(central), end - start, start, 0))
    return out.getvalue()


# --------------------------------------------------------------------------- .xls (BIFF8 in a compound file)


def _record(kind: int, data: bytes) -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _bof(dt: int) -> bytes:
    return _record(0x0809, struct.pack("<HHHHII", 0x0600, dt, 0x0DBB, 0x07CC, 0, 0x06))


def xls_workbook_stream(sheet: str, rows: list[list[str]]) -> bytes:
    """A BIFF8 Workbook stream: one sheet of text cells (a shared string table)."""
    strings = list(dict.fromkeys(v for row in rows for v in row))
    sst = struct.pack("<II", sum(len(r) for r in rows), len(strings)) + b"".join(
        struct.pack("<HB", len(s), 1) + s.encode("utf-16-le") for s in strings)
    xf = struct.pack("<HHHBBBBIIH", 0, 0, 0x0001, 0x20, 0, 0, 0, 0, 0, 0x20C0)  # a cell XF, General
    name = sheet.encode("latin-1")

    def globals_(sheet_at: int) -> bytes:
        return (_bof(0x0005) + _record(0x0042, struct.pack("<H", 1200)) + _record(0x00E0, xf) * 16
                + _record(0x0085, struct.pack("<IBBBB", sheet_at, 0, 0, len(name), 0) + name)
                + _record(0x00FC, sst) + _record(0x000A, b""))

    cells = b"".join(_record(0x00FD, struct.pack("<HHHI", r, c, 15, strings.index(v)))
                     for r, row in enumerate(rows) for c, v in enumerate(row))
    width = max(len(r) for r in rows)
    sheet_part = (_bof(0x0010) + _record(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, width, 0))
                  + cells + _record(0x000A, b""))
    head = globals_(0)
    return globals_(len(head)) + sheet_part


def cfb(stream: bytes, name: str = "Workbook") -> bytes:
    """A version-3 compound file holding one stream (at least 4096 bytes, so no mini stream)."""
    stream = stream + b"\x00" * max(0, 4096 - len(stream))
    n = -(-len(stream) // 512)
    free, end, fatsect = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    fat = [fatsect, end] + [2 + i + 1 for i in range(n - 1)] + [end]
    fat += [free] * (128 - len(fat))
    header = (bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\x00" * 6
              + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
              + struct.pack("<109I", 0, *([free] * 108)))

    def entry(label: str, kind: int, child: int, start: int, size: int) -> bytes:
        raw = (label.encode("utf-16-le") + b"\x00\x00") if label else b""
        return (raw.ljust(64, b"\x00") + struct.pack("<HBB", len(raw), kind, 1 if label else 0)
                + struct.pack("<III", free, free, child) + b"\x00" * 16 + struct.pack("<IQQ", 0, 0, 0)
                + struct.pack("<IQ", start, size))

    directory = (entry("Root Entry", 5, 1, end, 0) + entry(name, 2, free, 2, len(stream))
                 + entry("", 0, free, 0, 0) * 2)
    return header + struct.pack("<128I", *fat) + directory + stream.ljust(n * 512, b"\x00")


def xls(rows: list[list[str]] | None = None, sheet: str = "contacts") -> bytes:
    rows = rows or [list(HEADER)] + [[f"C{i}", f"K{i}", "2025-06-01"] for i in range(2, 62)]
    return cfb(xls_workbook_stream(sheet, rows))
