"""A UI run given as an archive (zip, tar, tar.gz): the same findings as the folder, hostile archives refused in
one line with nothing left behind."""

from __future__ import annotations

import io
import os
import shutil
import stat
import tarfile
import tempfile
import zipfile
from pathlib import Path

import pytest
from conftest import shared
from test_ui import PKG, QQ, dump, node  # noqa: F401  (the same view-tree builders)

from privaudit.audit import AuditInputs, audit
from privaudit.errors import InputError
from privaudit.evidence.ui.archive import archive_kind, extract_run, opened_run
from privaudit.evidence.ui.load import load_ui
from privaudit.report.json_report import render

# the first screen a consent prompt, then home, then a login screen with a pre-ticked consent box; the names are
# out of time order (the loader orders by modification time, which the archive must keep)
SCREENS = [
    ("b_prompt", dump(node("隐私政策提示"), node("请阅读《示例隐私政策》后选择"),
                      node("同意", "android.widget.Button", "[100,1500][500,1600]", clickable=True),
                      node("不同意", "android.widget.Button", "[600,1500][1000,1600]", clickable=True))),
    ("a_home", dump(node("首页"), node("我的", clickable=True))),
    ("c_login", dump(node(cls="android.widget.CheckBox", bounds="[100,1800][150,1850]", checkable=True, checked=True),
                     node("我已阅读并同意《隐私政策》", bounds="[160,1800][800,1850]"), node("登录", clickable=True))),
]


def dump_run(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for i, (name, xml) in enumerate(SCREENS):
        p = folder / f"{name}.xml"
        p.write_text(xml, encoding="utf-8")
        png = folder / f"{name}.png"
        png.write_bytes(b"\x89PNG\r\n\x1a\n")
        for f in (p, png):
            os.utime(f, (1_700_000_000 + 10 * i, 1_700_000_000 + 10 * i))
    return folder


def pack(src: Path, dest: Path, kind: str, wrap: str | None = None) -> Path:
    """``src``'s files into a zip/tar/tgz at ``dest``, under the top folder ``wrap`` if given."""
    files = sorted(p for p in src.rglob("*") if p.is_file())
    if kind == "zip":
        with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
            for p in files:
                rel = p.relative_to(src).as_posix()
                zf.write(p, f"{wrap}/{rel}" if wrap else rel)
    else:
        with tarfile.open(dest, "w:gz" if kind == "tgz" else "w") as tf:
            if wrap:
                tf.add(src, arcname=wrap)
            else:
                for p in sorted(src.iterdir()):
                    tf.add(p, arcname=p.name)
    return dest


def verdicts(report) -> dict[str, str]:
    return {f.item: str(f.verdict) for f in report.findings}


@pytest.fixture
def tmp_root(tmp_path, monkeypatch):
    """The system temporary folder, made private to the test, to see that nothing is left in it."""
    root = tmp_path / "tmproot"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


@pytest.mark.parametrize(("kind", "wrap"), [("zip", "output"), ("zip", None), ("tar", None), ("tgz", "run1")])
def test_dump_run_archive_gives_the_folders_findings(tmp_path, tmp_root, kind, wrap):
    folder = dump_run(tmp_path / "dumps")
    # by content, not by name: no extension
    archive = pack(folder, tmp_path / "run-upload", kind, wrap)
    expected = audit(AuditInputs(ui=[str(folder)], package=PKG))
    got = audit(AuditInputs(ui=[str(archive)], package=PKG))
    assert verdicts(got) == verdicts(expected)
    assert verdicts(got)["M191-3.4"] == "violation"  # the pre-ticked box: the UI run was really read
    assert [(i.kind, i.path) for i in got.inputs] == [("ui", str(archive))]
    text = render(got)
    assert f"{archive}!b_prompt.xml" in text and str(tmp_root) not in text
    assert got.facts["ui"][0]["screens"] == 3 and got.facts["ui"][0]["path"] == str(archive)
    assert os.listdir(tmp_root) == []


@pytest.mark.parametrize("kind", ["zip", "tar", "tgz"])
def test_extracted_run_keeps_names_times_and_screenshots(tmp_path, kind):
    folder = dump_run(tmp_path / "dumps")
    archive = pack(folder, tmp_path / f"run.{kind}", kind, "output")
    assert archive_kind(str(archive)) == ("zip" if kind == "zip" else "tar")
    with opened_run(str(archive), str(tmp_path)) as run_dir:
        assert os.path.basename(run_dir) == "output"
        run = load_ui(run_dir)
        assert [s.id for s in run.screens] == ["b_prompt", "a_home", "c_login"]  # time order, not name order
        assert all(s.screenshot and os.path.isfile(s.screenshot) for s in run.screens)
        assert stat.S_IMODE(os.stat(os.path.join(run_dir, "a_home.xml")).st_mode) == 0o600
        top = os.path.dirname(run_dir)
    assert not os.path.exists(top)


def test_a_folder_is_used_as_it_is(tmp_path):
    folder = dump_run(tmp_path / "dumps")
    with opened_run(str(folder)) as run_dir:
        assert run_dir == str(folder)
    assert folder.is_dir()


# ---------------------------------------------------------------- the real QQ音乐 DroidBot run


@pytest.mark.parametrize("kind", ["zip", "tgz"])
def test_droidbot_run_archive_gives_the_folders_findings(tmp_path, tmp_root, kind):
    run = shared(*QQ)
    archive = pack(run, tmp_path / f"qq.{kind}", kind, "output")
    expected = audit(AuditInputs(ui=[str(run)], package="com.tencent.qqmusic"))
    got = audit(AuditInputs(ui=[str(archive)], package="com.tencent.qqmusic"))
    assert verdicts(got) == verdicts(expected)
    assert len(got.facts["ui"][0]["graph_svg"]) > 0
    assert got.facts["ui"][0]["screens"] == expected.facts["ui"][0]["screens"] > 0
    assert got.facts["timeline"]["events_total"] == expected.facts["timeline"]["events_total"] > 0  # the trace
    text = render(got)
    assert f"{archive}!events/event_" in text and str(tmp_root) not in text
    assert os.listdir(tmp_root) == []


# ---------------------------------------------------------------- hostile and broken archives


def _zip(path: Path, entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return path


def _tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]], mode: str = "w") -> Path:
    with tarfile.open(path, mode, encoding="utf-8", errors="surrogateescape") as tf:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            tf.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def _ti(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info


def _zip_symlink(path: Path) -> Path:
    info = zipfile.ZipInfo("link.xml")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return _zip(path, [("00.xml", SCREENS[0][1].encode()), (info, b"/etc/passwd")])


def _truncated(path: Path, kind: str) -> Path:
    folder = dump_run(path.parent / f"src-{kind}")
    for i in range(20):  # enough data that half the archive ends inside a member
        (folder / f"filler{i}.xml").write_bytes(os.urandom(4096))
    full = pack(folder, path.parent / f"full.{kind}", kind)
    data = full.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    return path


XML = SCREENS[0][1].encode()
HOSTILE = {
    "zip ../ entry": (lambda p: _zip(p, [("00.xml", XML), ("../evil.xml", XML)]), "../evil.xml"),
    "tar ../ entry": (lambda p: _tar(p, [(_ti("ok/00.xml"), XML), (_ti("ok/../../evil.xml"), XML)]), "evil.xml"),
    "zip absolute path": (lambda p: _zip(p, [("/tmp/evil.xml", XML)]), "/tmp/evil.xml"),
    "tar absolute path": (lambda p: _tar(p, [(_ti("/tmp/evil.xml"), XML)]), "/tmp/evil.xml"),
    "zip drive letter": (lambda p: _zip(p, [("C:/evil.xml", XML)]), "C:/evil.xml"),
    "tar symlink": (lambda p: _tar(p, [(_ti("00.xml"), XML), (_ti("states", tarfile.SYMTYPE, "/etc"), None)]),
                    "states"),
    "tar hard link": (lambda p: _tar(p, [(_ti("00.xml"), XML), (_ti("01.xml", tarfile.LNKTYPE, "/etc/passwd"),
                                                                  None)]), "01.xml"),
    "tar fifo": (lambda p: _tar(p, [(_ti("fifo.xml", tarfile.FIFOTYPE), None)]), "fifo.xml"),
    "tar device": (lambda p: _tar(p, [(_ti("dev.xml", tarfile.CHRTYPE), None)]), "dev.xml"),
    "zip symlink": (_zip_symlink, "link.xml"),
    "tar undecodable name": (lambda p: _tar(p, [(_ti("a\udcff.xml"), XML)]), "a\\udcff.xml"),
    "zip duplicate entry": (lambda p: _zip(p, [("00.xml", XML), ("00.xml", XML)]), "00.xml"),
    "zip bomb": (lambda p: _zip(p, [("00.xml", XML), ("states/state_x.json", bytes(24 << 20))]),
                 "states/state_x.json"),
    "tar.gz bomb": (lambda p: _tar(p, [(_ti("00.xml"), XML), (_ti("big.json"), bytes(40 << 20))], "w:gz"),
                    "big.json"),
    "zip truncated": (lambda p: _truncated(p, "zip"), "truncated or corrupt"),
    "tar.gz truncated": (lambda p: _truncated(p, "tgz"), "truncated or corrupt"),
    "tar truncated": (lambda p: _truncated(p, "tar"), "truncated or corrupt"),
    "not an archive": (lambda p: p.write_bytes(b"just some text, not a run\n" * 40) and p,
                       "neither a folder nor a zip or tar archive"),
    "empty zip": (lambda p: _zip(p, []), "no files"),
}


@pytest.mark.filterwarnings("ignore:Duplicate name")
@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_archive_is_refused_in_one_line(tmp_path, case):
    build, needle = HOSTILE[case]
    archive = build(tmp_path / "run.bin")
    root = tmp_path / "root"
    root.mkdir()
    with pytest.raises(InputError) as ei:
        with opened_run(str(archive), str(root)):
            pytest.fail("opened")
    msg = str(ei.value)
    assert "\n" not in msg and str(archive) in msg and needle in msg, msg
    assert os.listdir(root) == []
    assert not (tmp_path / "evil.xml").exists() and not Path("/tmp/evil.xml").exists()


def test_hostile_archive_through_audit_names_the_archive(tmp_path, tmp_root):
    archive = _zip(tmp_path / "run.zip", [("00.xml", XML), ("../evil.xml", XML)])
    with pytest.raises(InputError, match=r"run\.zip: .*'\.\./evil\.xml'.*refused"):
        audit(AuditInputs(ui=[str(archive)], package=PKG))
    assert os.listdir(tmp_root) == []


def test_a_bad_run_inside_a_good_archive_names_the_archive(tmp_path, tmp_root):
    archive = _zip(tmp_path / "run.zip", [("output/readme.txt", b"no dumps here")])
    with pytest.raises(InputError) as ei:
        audit(AuditInputs(ui=[str(archive)], package=PKG))
    assert str(archive) in str(ei.value) and str(tmp_root) not in str(ei.value)
    assert os.listdir(tmp_root) == []


@pytest.mark.parametrize("kind", ["zip", "tar"])
def test_too_many_entries(tmp_path, kind):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(6):
        (folder / f"{i}.xml").write_bytes(XML)
    archive = pack(folder, tmp_path / f"many.{kind}", kind)
    dest = tmp_path / "dest"
    with pytest.raises(InputError, match="more than 5 entries"):
        extract_run(str(archive), str(dest), max_entries=5)
    assert not dest.exists()
    assert extract_run(str(archive), str(dest), max_entries=6) == str(dest)
    shutil.rmtree(dest)


def test_total_size_cap(tmp_path):
    archive = _zip(tmp_path / "big.zip", [("a.xml", XML), ("b.bin", os.urandom(64 << 10))])
    dest = tmp_path / "dest"
    with pytest.raises(InputError, match="more than 10000 bytes unpacked"):
        extract_run(str(archive), str(dest), max_bytes=10_000)
    assert not dest.exists()
