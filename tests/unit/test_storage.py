"""The storage adapter (photos/storage.py): each operation on a local folder, and a scan that no other
module copies, renames, removes or sends stored files by their path."""
from __future__ import annotations

import ast
import os
import time
from pathlib import Path

import pytest
from flask import Flask

from photoid.photos import storage as storage_module
from photoid.photos.storage import LocalStorage, NotStored, StorageError

ROOT = Path(__file__).resolve().parents[2] / "photoid"


@pytest.fixture
def store(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "uploads")


def _everything(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")) if folder.exists() else []


def _made_folder(where: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (where / name).parent.mkdir(parents=True, exist_ok=True)
        (where / name).write_bytes(data)
    return where


# --- exists, open, put ---------------------------------------------------------------------------

def test_a_file_put_is_there_to_open_and_nothing_half_written_is_left(store: LocalStorage) -> None:
    assert not store.exists("institutions/1/logo.png")
    store.put("institutions/1/logo.png", b"first")
    store.put("institutions/1/logo.png", b"second")  # over the first, in one step
    assert store.exists("institutions/1/logo.png")
    with store.open("institutions/1/logo.png") as handle:
        assert handle.read() == b"second"
    assert _everything(store.root) == ["institutions", "institutions/1", "institutions/1/logo.png"]


def test_opening_what_is_not_stored_says_which_key(store: LocalStorage) -> None:
    with pytest.raises(NotStored, match="Nothing is stored under 'photos/ab/abc/thumb.jpg'"):
        store.open("photos/ab/abc/thumb.jpg")
    store.put("photos/ab/abc/thumb.jpg", b"jpeg")
    with pytest.raises(NotStored):
        store.open("photos/ab/abc")  # a folder is not a stored file
    assert not store.exists("photos/ab/abc")


@pytest.mark.parametrize("key", ["", "/etc/passwd", "photos/../../secret", "../uploads2/x"])
def test_a_key_cannot_point_outside_the_root(store: LocalStorage, key: str) -> None:
    with pytest.raises(StorageError, match="unsafe storage key"):
        store.exists(key)
    with pytest.raises(StorageError, match="unsafe storage key"):
        store.put(key, b"x")


# --- put_folder ----------------------------------------------------------------------------------

def test_a_staging_folder_is_put_in_place_whole_and_the_first_put_wins(store: LocalStorage) -> None:
    first = _made_folder(store.staging_folder(), {"thumb.jpg": b"1", "iiif/full/1,/0/default.jpg": b"2"})
    assert store.put_folder("photos/ab/abc", first) is True
    assert store.keys("photos/ab/abc") == ["photos/ab/abc/iiif/full/1,/0/default.jpg", "photos/ab/abc/thumb.jpg"]
    assert not first.exists()  # moved, not copied

    again = _made_folder(store.staging_folder(), {"thumb.jpg": b"other"})
    assert store.put_folder("photos/ab/abc", again) is False
    with store.open("photos/ab/abc/thumb.jpg") as handle:
        assert handle.read() == b"1"
    assert not again.exists() and _everything(store.root / "staging") == []


def test_a_folder_from_elsewhere_is_copied_and_the_original_kept(store: LocalStorage, tmp_path: Path) -> None:
    source = _made_folder(tmp_path / "backup" / "abc", {"original.jpg": b"o", "display.jpg": b"d"})
    assert store.put_folder("photos/ab/abc", source) is True
    assert store.keys("photos/ab/abc") == ["photos/ab/abc/display.jpg", "photos/ab/abc/original.jpg"]
    assert _everything(source) == ["display.jpg", "original.jpg"]


def test_a_folder_put_that_fails_midway_leaves_no_partial_folder(store: LocalStorage, tmp_path: Path) -> None:
    source = _made_folder(tmp_path / "backup" / "abc", {f"tile{n}.jpg": b"t" for n in (0, 1, 3, 4)})
    (source / "tile2.jpg").symlink_to(tmp_path / "gone.jpg")  # a file that cannot be read, among good ones
    with pytest.raises(OSError, match="tile2.jpg"):
        store.put_folder("photos/ab/abc", source)
    assert not store.exists("photos/ab/abc/tile0.jpg") and store.keys("photos/ab/abc") == []
    assert _everything(store.root / "photos" / "ab") == []  # no hidden half-copied sibling either


# --- keys, delete_prefix -------------------------------------------------------------------------

def test_keys_leave_out_files_still_being_written(store: LocalStorage) -> None:
    store.put("photos/ab/abc/thumb.jpg", b"t")
    (store.root / "photos/ab/abc/.crop.jpg.1234.part").write_bytes(b"half")
    assert store.keys("photos/ab/abc") == ["photos/ab/abc/thumb.jpg"]
    assert store.keys("photos/ab/abc/thumb.jpg") == ["photos/ab/abc/thumb.jpg"]
    assert store.keys("photos/ab/nothing") == []


def test_deleting_a_prefix_removes_everything_under_it_and_nothing_beside_it(store: LocalStorage) -> None:
    for key in ("photos/ab/abc/thumb.jpg", "photos/ab/abc/regions/r.jpg", "photos/ab/abcd/thumb.jpg",
                "institutions/1/logo.png", "institutions/1/logo.png.old"):
        store.put(key, b"x")
    store.delete_prefix("photos/ab/abc")
    store.delete_prefix("institutions/1/logo.png")  # one file is a prefix too
    store.delete_prefix("photos/zz/missing")  # nothing there: nothing to do
    assert store.keys("photos") == ["photos/ab/abcd/thumb.jpg"]
    assert store.keys("institutions") == ["institutions/1/logo.png.old"]


# --- staging -------------------------------------------------------------------------------------

def test_only_staging_folders_are_discarded_and_old_ones_cleared(store: LocalStorage, tmp_path: Path) -> None:
    elsewhere = _made_folder(tmp_path / "mine", {"keep.txt": b"k"})
    with pytest.raises(StorageError, match="not a staging folder"):
        store.discard(elsewhere)
    assert (elsewhere / "keep.txt").exists()

    old, recent = store.staging_folder(), store.staging_folder()
    an_hour_ago = time.time() - 3700
    os.utime(old, (an_hour_ago, an_hour_ago))
    store.clear_staging()
    assert not old.exists() and recent.exists()
    store.clear_staging(older_than_seconds=0)
    assert _everything(store.root / "staging") == []


# --- send ----------------------------------------------------------------------------------------

def test_a_stored_file_is_sent_with_its_caching_headers_and_answers_if_none_match(store: LocalStorage) -> None:
    store.put("photos/ab/abc/thumb.jpg", b"jpeg bytes")
    app = Flask(__name__)
    with app.test_request_context():
        response = store.send("photos/ab/abc/thumb.jpg", mimetype="image/jpeg", max_age=31536000, immutable=True)
        assert b"".join(response.response) == b"jpeg bytes"
        assert response.mimetype == "image/jpeg"
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        etag = response.headers["ETag"]
        response.close()
    with app.test_request_context(headers={"If-None-Match": etag}):
        again = store.send("photos/ab/abc/thumb.jpg", mimetype="image/jpeg", max_age=3600)
        again.close()
        assert again.status_code == 304 and again.headers["Cache-Control"] == "public, max-age=3600"
    with app.test_request_context(), pytest.raises(NotStored):
        store.send("photos/ab/abc/display.jpg", mimetype="image/jpeg", max_age=60)


# --- no module outside the adapter handles stored files by path ------------------------------------

#: shutil and os functions that copy, move or remove files, and Flask's file senders.
SHUTIL = {"rmtree", "copytree", "copyfile", "copy", "copy2", "copyfileobj", "move"}
OS = {"replace", "rename", "renames", "remove", "unlink", "rmdir", "removedirs"}
PATH_METHODS = {"unlink", "rmdir", "rename"}
SENDERS = {"send_file", "send_from_directory"}
#: Modules that handle files which are not stored objects, with what they may call and why.
NOT_STORED_FILES = {
    # Its backup folder and the live SQLite file are its own; photo files go through the adapter.
    "photoid/backup.py": {"copyfileobj", "copyfile", "replace", "unlink"},
    # The export file named on the command line.
    "photoid/cli.py": {"replace"},
    # The Whoosh index folder, behind the search adapter.
    "photoid/search/index.py": {"rmtree", "unlink", "replace"},
    # The package's own embed.css.
    "photoid/sharing/routes.py": {"send_from_directory"},
    # process_image empties the working folder it was handed when the image is refused.
    "photoid/photos/images.py": {"rmtree", "unlink"},
    # The file being ingested is copied into its staging folder, before anything is stored.
    "photoid/photos/ingest.py": {"copyfile"},
}


def file_operations(source: str) -> list[tuple[int, str]]:
    """(line, name) of every call that copies, moves, removes or sends a file by its path, and every
    use of the local backend's own class or paths."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and node.id == "LocalStorage":
            found.append((node.lineno, "LocalStorage"))
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else ""
        if (
            (owner == "shutil" and name in SHUTIL) or (owner == "os" and name in OS) or name in SENDERS
            or (isinstance(func, ast.Attribute) and owner not in ("os", "shutil") and name in PATH_METHODS)
            # Path.replace(target): str.replace takes two arguments, datetime.replace keywords.
            or (isinstance(func, ast.Attribute) and name == "replace" and len(node.args) == 1 and not node.keywords)
            or name == "_path"
        ):
            found.append((node.lineno, name))
    return sorted(found)


def test_the_scan_finds_file_operations_by_path() -> None:
    source = '''
shutil.rmtree(folder)
os.replace(partial, target)
(root / key).unlink(missing_ok=True)
partial.replace(output)
send_file(path, mimetype="image/jpeg")
store = LocalStorage(root)
store._path("photos/x")
text.replace("a", "b")
moment.replace(tzinfo=None)
shutil.which("pg_dump")
'''
    assert file_operations(source) == [
        (2, "rmtree"), (3, "replace"), (4, "unlink"), (5, "replace"), (6, "send_file"), (7, "LocalStorage"),
        (8, "_path"),
    ]


def test_no_module_but_the_storage_adapter_handles_stored_files_by_path() -> None:
    offences = [
        f"{where}:{line}: {name}"
        for path in sorted(ROOT.rglob("*.py"))
        if path != Path(storage_module.__file__)
        for where in [path.relative_to(ROOT.parent).as_posix()]
        for line, name in file_operations(path.read_text(encoding="utf-8"))
        if name not in NOT_STORED_FILES.get(where, ())
    ]
    assert offences == [], ("use the operations of photos/storage.py (or, for files that are not stored, "
                            "add the module to NOT_STORED_FILES with why):\n" + "\n".join(offences))
