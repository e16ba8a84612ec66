"""A large census read in two parts at once (readers/xml_parts.py): the same tables, lines
and findings as read whole, and read whole whenever the cut or the second process fails."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ofsted_lists import readers
from ofsted_lists.config import Config
from ofsted_lists.errors import InputError
from ofsted_lists.quality import Findings
from ofsted_lists.readers import xml_parts
from test_cin_census import EPISODE, SAMPLES, census, child, write

WHOLE = 1 << 62


@pytest.fixture
def parts(monkeypatch):
    """Every census cut (no size threshold); counts the second parts started and the ones
    whose tables were used (not fallen back from to the whole document)."""
    seen = {"started": 0, "used": 0}
    start, tables = xml_parts.SecondPart.__init__, xml_parts.SecondPart.tables

    def started(self, *args):
        seen["started"] += 1
        start(self, *args)

    def used(self):
        got = tables(self)
        seen["used"] += got is not None
        return got

    monkeypatch.setattr(xml_parts.SecondPart, "__init__", started)
    monkeypatch.setattr(xml_parts.SecondPart, "tables", used)
    monkeypatch.setattr(xml_parts, "MIN_BYTES", 0)
    return seen


def read(folder: Path, monkeypatch, min_bytes: int):
    monkeypatch.setattr(xml_parts, "MIN_BYTES", min_bytes)
    findings = Findings()
    got = readers.read_folder(folder, Config(), findings)
    return got.tables, sorted(map(str, findings.table().astype(str).to_dict("records")))


def assert_same_as_whole(folder: Path, monkeypatch) -> None:
    cut_tables, cut_findings = read(folder, monkeypatch, 0)
    whole_tables, whole_findings = read(folder, monkeypatch, WHOLE)
    assert set(cut_tables) == set(whole_tables)
    for table in whole_tables:  # every value and every record's line (`_row`)
        pd.testing.assert_frame_equal(cut_tables[table], whole_tables[table])
    assert cut_findings == whole_findings


def many(n: int, *, newline: str = "\n") -> str:
    ep = EPISODE.format(more="<DateOfInitialCPC>2026-01-20</DateOfInitialCPC>", nfa="0")
    sexes = ("<Sex>F</Sex>", "<Sex>1</Sex>", "<GenderCurrent>2</GenderCurrent>")
    return census(newline + newline.join(child(f"C{i}", ep * (i % 3), sex=sexes[i % 3]) for i in range(n)) + newline)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_a_peer_census_read_in_two_parts_gives_what_it_gives_read_whole(sample, tmp_path, monkeypatch, parts):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / sample.name).write_bytes(sample.read_bytes())
    assert_same_as_whole(folder, monkeypatch)
    assert parts == {"started": 1, "used": 1}  # the second part was read by the worker, not fallen back from


@pytest.mark.parametrize("variant", ["plain", "namespace", "crlf", "bom"])
def test_cut_parts_keep_lines_namespaces_and_old_code_findings(variant, tmp_path, monkeypatch, parts):
    text = many(40, newline="\r\n" if variant == "crlf" else "\n")
    if variant == "namespace":
        text = text.replace("<Message>", '<Message xmlns="http://www.example.org/cin">', 1)
    if variant == "bom":
        text = "\ufeff" + '<?xml version="1.0" encoding="utf-8"?>' + text
    folder = write(tmp_path / "in", census=text)
    assert_same_as_whole(folder, monkeypatch)
    assert parts == {"started": 1, "used": 1}
    tables, found = read(folder, monkeypatch, 0)
    assert len(tables["children"]) == 40 and tables["children"]["child_id"].tolist()[-1] == "C39"
    assert tables["children"]["_row"].tolist() == list(range(2, 42))  # the file's own lines, after the cut too
    assert sum("GenderCurrent code" in f for f in found) == 13  # C1, C4, …, C37: each reported once


def test_a_cut_inside_a_comment_falls_back_to_the_whole_read(tmp_path, monkeypatch, parts):
    text = census(child("C1") + "<!-- a note: </Child> -->" + child("C2") + child("C3"))
    monkeypatch.setattr(xml_parts, "FIRST_SHARE", (text.index("<!--") + 2) / len(text))
    folder = write(tmp_path / "in", census=text)
    assert_same_as_whole(folder, monkeypatch)
    assert parts == {"started": 1, "used": 0}  # cut, and not used
    tables, _ = read(folder, monkeypatch, 0)
    assert tables["children"]["child_id"].tolist() == ["C1", "C2", "C3"]


def test_damage_after_the_cut_is_refused_as_the_whole_read_refuses_it(tmp_path, monkeypatch, parts):
    text = many(30).replace("<LAchildID>C25</LAchildID>", "<LAchildID>C25</LAchild>", 1)
    folder = write(tmp_path / "in", census=text)
    messages = []
    for min_bytes in (0, WHOLE):
        with pytest.raises(InputError) as err:
            read(folder, monkeypatch, min_bytes)
        messages.append(str(err.value))
    assert messages[0] == messages[1] and "line 27" in messages[0]
    assert "C25" not in messages[0]  # never the document's text


@pytest.mark.parametrize("executable", ["/bin/false", "/nonexistent/python"])
def test_a_second_process_that_fails_or_cannot_start_leaves_the_whole_read(executable, tmp_path, monkeypatch):
    monkeypatch.setattr(xml_parts.sys, "executable", executable)
    assert_same_as_whole(write(tmp_path / "in", census=many(20)), monkeypatch)


def test_a_cut_only_where_the_records_lie_directly_in_the_ancestors(monkeypatch):
    monkeypatch.setattr(xml_parts, "MIN_BYTES", 0)
    text = many(10).encode()
    where = xml_parts.cut(text, ("Message", "Children"), "Child")
    assert where is not None and text[:where.at].endswith(b"</Child>")
    assert where.lines == text[:where.at].count(b"\n") and b"\n" not in where.opening
    assert where.opening == b"<Message><Children>" and where.closing == b"</Children></Message>"
    spaced = text.replace(b"<Message>", b'<Message xmlns="urn:x">', 1)
    assert xml_parts.cut(spaced, ("Message", "Children"), "Child").opening == b'<Message xmlns="urn:x"><Children>'
    assert xml_parts.cut(text.replace(b"Children", b"Kids"), ("Message", "Children"), "Child") is None
    assert xml_parts.cut(text.decode().encode("utf-16"), ("Message", "Children"), "Child") is None
    monkeypatch.setattr(xml_parts, "MIN_BYTES", len(text) + 1)
    assert xml_parts.cut(text, ("Message", "Children"), "Child") is None  # small: read whole


def test_two_years_cut_in_parts_merge_episode_by_episode_as_read_whole(tmp_path, monkeypatch, parts):
    def year(reference: str, closure: str, n: int) -> str:
        ep = EPISODE.format(more=f"<Assessments><AssessmentActualStartDate>2026-01-06</AssessmentActualStartDate>"
                                 f"</Assessments><CINclosureDate>{closure}</CINclosureDate>", nfa="0")
        # episodes of several children after the cut: their blocks' episodes must point past the first part's
        return census("\n".join(child(f"C{i}", ep * (1 + i % 2)) for i in range(n)), reference=reference)

    folder = write(tmp_path / "in", a=year("2026-03-31", "2026-03-01", 12), b=year("2025-03-31", "2026-02-01", 16))
    assert_same_as_whole(folder, monkeypatch)
    assert parts == {"started": 2, "used": 2}
    tables, _ = read(folder, monkeypatch, 0)
    kept = tables["assessments"].merge(tables["referrals"][["child_id", "_file"]].drop_duplicates(), on="child_id")
    assert len(tables["assessments"]) == 12 // 2 + 12 + 4 // 2 + 4  # C0–C11 from a; C12–C15 from b
    assert (kept.loc[kept["child_id"] == "C3", "_file_x"] == "a.xml").all()


def test_the_second_process_parses_without_pandas_or_the_readers_package(tmp_path, monkeypatch, parts):
    """The worker imports the census parse through a bare readers package (half a second of
    its start was pandas and every reader): it still answers, and never imports pandas."""
    import subprocess
    import sys

    probe = xml_parts.BARE_PACKAGE + (
        "import ofsted_lists.readers.cin_census, ofsted_lists.readers.xml_parts\n"
        "print(sorted(m for m in ('pandas', 'ofsted_lists.quality', 'ofsted_lists.readers.cms') if m in sys.modules))\n")
    got = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert got.stdout.strip() == "[]"
    assert_same_as_whole(write(tmp_path / "in", census=many(30)), monkeypatch)
    assert parts["used"] == 1  # the bare-package worker's tables were the ones used


def test_the_worker_started_ahead_reads_the_second_part_and_none_is_left_running(tmp_path, monkeypatch, parts):
    spawned = []
    spawn = xml_parts._spawn

    def counted(module):
        spawned.append(module)
        return spawn(module)

    monkeypatch.setattr(xml_parts, "_spawn", counted)
    assert_same_as_whole(write(tmp_path / "in", census=many(30)), monkeypatch)
    # Read cut (and then whole): one worker, started ahead as the folder was listed, and used.
    assert spawned == ["cin_census"] and parts == {"started": 1, "used": 1}
    assert not xml_parts._ready


def test_a_worker_started_ahead_that_no_read_takes_is_stopped(tmp_path, monkeypatch):
    monkeypatch.setattr(xml_parts, "MIN_BYTES", 0)
    spawned = []
    spawn = xml_parts._spawn
    monkeypatch.setattr(xml_parts, "_spawn", lambda module: spawned.append(module) or spawn(module))
    xml_parts.prestart("cin_census")
    xml_parts.prestart("cin_census")  # at most one waits: no second is started
    (proc,) = xml_parts._ready.values()
    assert spawned == ["cin_census"]
    xml_parts.discard()
    assert proc.poll() is not None and not xml_parts._ready
    # A census too small to cut: its worker, started ahead, is stopped once the folder is read.
    started = []
    monkeypatch.setattr(xml_parts, "prestart", lambda module: started.append(module) or xml_parts._ready.update(
        {module: xml_parts._spawn(module)}))
    monkeypatch.setattr(xml_parts, "cut", lambda *a: None)
    folder = write(tmp_path / "in", census=many(5))
    assert len(readers.read_folder(folder, Config(), Findings()).tables["children"]) == 5
    assert started == ["cin_census"] and not xml_parts._ready


def test_a_worker_that_died_while_it_waited_is_not_used(tmp_path, monkeypatch, parts):
    monkeypatch.setattr(xml_parts, "MIN_BYTES", 0)
    xml_parts.prestart("cin_census")
    (proc,) = xml_parts._ready.values()
    proc.kill()
    proc.wait()
    monkeypatch.setattr(xml_parts, "prestart", lambda module: None)  # keep the dead one waiting
    assert_same_as_whole(write(tmp_path / "in", census=many(20)), monkeypatch)
    assert parts == {"started": 1, "used": 1}  # a fresh worker read the second part
