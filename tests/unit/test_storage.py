"""The storage adapter (photos/storage.py): one behaviour suite run on each backend, the local folder
and an S3 bucket on a real S3 API server (moto in server mode, tests/s3_server.py), what only one
backend has, and a scan that no other module copies, renames, removes or sends stored files by their
path."""
from __future__ import annotations

import ast
import os
import time
from pathlib import Path

import pytest
from flask import Flask

from photoid.photos import storage as storage_module
from photoid.photos.storage import LocalStorage, NotStored, Storage, StorageError, storage_at
from tests.s3_server import bucket_names, new_bucket, s3_client, s3_endpoint

ROOT = Path(__file__).resolve().parents[2] / "photoid"
#: The S3 backend keeps its objects under this prefix of the bucket, as a site sharing a bucket would.
S3_PREFIX = "site"


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    """Each backend in turn: the behaviour below is what the app may rely on from any of them."""
    if request.param == "local":
        return LocalStorage(tmp_path / "uploads")
    endpoint = s3_endpoint()  # first: skips the S3 runs when moto (and so boto3) is not installed
    from photoid.photos.s3_storage import S3Storage

    client = s3_client(endpoint)
    return S3Storage(client, new_bucket(client), S3_PREFIX, staging_root=tmp_path / "uploads" / "staging")


@pytest.fixture
def local_store(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "uploads")


def _everything(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")) if folder.exists() else []


def _stored(store: Storage) -> list[str]:
    """Everything the backend holds, hidden and half-written files included (not staging folders):
    the files under the local root, or every object in the bucket (all under the store's prefix)."""
    if isinstance(store, LocalStorage):
        return [name for name in _everything(store.root) if (store.root / name).is_file()
                and not name.startswith("staging/")]
    names = bucket_names(store.client, store.bucket)  # type: ignore[attr-defined]
    assert all(name.startswith(f"{S3_PREFIX}/") for name in names)
    return [name.removeprefix(f"{S3_PREFIX}/") for name in names]


def _made_folder(where: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (where / name).parent.mkdir(parents=True, exist_ok=True)
        (where / name).write_bytes(data)
    return where


# --- exists, open, put ---------------------------------------------------------------------------

def test_a_file_put_is_there_to_open_and_nothing_half_written_is_left(store: Storage) -> None:
    assert not store.exists("institutions/1/logo.png")
    store.put("institutions/1/logo.png", b"first")
    store.put("institutions/1/logo.png", b"second")  # over the first, in one step
    assert store.exists("institutions/1/logo.png") and store.sizes("institutions/1/logo.png") == {"institutions/1/logo.png": 6}
    with store.open("institutions/1/logo.png") as handle:
        assert handle.read() == b"second"
        handle.seek(3)  # Pillow seeks in what it reads
        assert handle.read() == b"ond"
    assert _stored(store) == ["institutions/1/logo.png"]


def test_a_file_object_is_put_from_where_it_stands(store: Storage, tmp_path: Path) -> None:
    written = tmp_path / "export.xml"
    written.write_bytes(b"<collection>" + b"<record/>" * 50_000 + b"</collection>")
    with written.open("rb") as handle:
        store.put("exports/1/photoid-all-dc.xml", handle)
    with store.open("exports/1/photoid-all-dc.xml") as handle:
        assert handle.read() == written.read_bytes()
    assert _stored(store) == ["exports/1/photoid-all-dc.xml"]


def test_opening_what_is_not_stored_says_which_key(store: Storage) -> None:
    with pytest.raises(NotStored, match="Nothing is stored under 'photos/ab/abc/thumb.jpg'"):
        store.open("photos/ab/abc/thumb.jpg")
    store.put("photos/ab/abc/thumb.jpg", b"jpeg")
    with pytest.raises(NotStored):
        store.open("photos/ab/abc")  # a folder is not a stored file
    assert not store.exists("photos/ab/abc")


@pytest.mark.parametrize("key", ["", "/etc/passwd", "photos/../../secret", "../uploads2/x"])
def test_a_key_cannot_point_outside_the_root(store: Storage, key: str) -> None:
    with pytest.raises(StorageError, match="unsafe storage key"):
        store.exists(key)
    with pytest.raises(StorageError, match="unsafe storage key"):
        store.put(key, b"x")


# --- put_folder ----------------------------------------------------------------------------------

def test_a_staging_folder_is_put_in_place_whole_and_the_first_put_wins(store: Storage) -> None:
    first = _made_folder(store.staging_folder(), {"thumb.jpg": b"1", "iiif/full/1,/0/default.jpg": b"2"})
    assert store.put_folder("photos/ab/abc", first) is True
    assert store.keys("photos/ab/abc") == ["photos/ab/abc/iiif/full/1,/0/default.jpg", "photos/ab/abc/thumb.jpg"]
    assert not first.exists()  # moved, not copied

    again = _made_folder(store.staging_folder(), {"thumb.jpg": b"other"})
    assert store.put_folder("photos/ab/abc", again) is False
    with store.open("photos/ab/abc/thumb.jpg") as handle:
        assert handle.read() == b"1"
    assert not again.exists() and _everything(again.parent) == []


def test_a_folder_from_elsewhere_is_copied_and_the_original_kept(store: Storage, tmp_path: Path) -> None:
    source = _made_folder(tmp_path / "backup" / "abc", {"original.jpg": b"o", "display.jpg": b"d"})
    assert store.put_folder("photos/ab/abc", source) is True
    assert store.keys("photos/ab/abc") == ["photos/ab/abc/display.jpg", "photos/ab/abc/original.jpg"]
    assert _everything(source) == ["display.jpg", "original.jpg"]


def test_a_folder_put_that_fails_midway_leaves_no_partial_folder(store: Storage, tmp_path: Path) -> None:
    source = _made_folder(tmp_path / "backup" / "abc", {f"tile{n}.jpg": b"t" for n in (0, 1, 3, 4)})
    (source / "tile2.jpg").symlink_to(tmp_path / "gone.jpg")  # a file that cannot be read, among good ones
    with pytest.raises(OSError, match="tile2.jpg"):
        store.put_folder("photos/ab/abc", source)
    assert not store.exists("photos/ab/abc/tile0.jpg") and store.keys("photos/ab/abc") == []
    assert _stored(store) == []  # no hidden half-copied sibling, no objects uploaded before the failure
    assert store.put_folder("photos/ab/abc", _made_folder(tmp_path / "again", {"tile0.jpg": b"t"})) is True


# --- keys, delete_prefix -------------------------------------------------------------------------

def test_keys_are_the_files_under_a_prefix_or_the_file_itself(store: Storage) -> None:
    for key in ("photos/ab/abc/thumb.jpg", "photos/ab/abc/iiif/full/1,/0/default.jpg", "photos/ab/abcd/thumb.jpg"):
        store.put(key, key.encode())
    assert store.keys("photos/ab/abc") == ["photos/ab/abc/iiif/full/1,/0/default.jpg", "photos/ab/abc/thumb.jpg"]
    assert store.sizes("photos/ab/abc") == {"photos/ab/abc/iiif/full/1,/0/default.jpg": 40, "photos/ab/abc/thumb.jpg": 23}
    assert store.sizes("photos/ab/nothing") == {}
    assert store.keys("photos/ab/abc/thumb.jpg") == ["photos/ab/abc/thumb.jpg"]
    assert store.keys("photos/ab/nothing") == []


def test_local_keys_leave_out_files_still_being_written(local_store: LocalStorage) -> None:
    local_store.put("photos/ab/abc/thumb.jpg", b"t")
    (local_store.root / "photos/ab/abc/.crop.jpg.1234.part").write_bytes(b"half")
    assert local_store.keys("photos/ab/abc") == ["photos/ab/abc/thumb.jpg"]


def test_deleting_a_prefix_removes_everything_under_it_and_nothing_beside_it(store: Storage) -> None:
    for key in ("photos/ab/abc/thumb.jpg", "photos/ab/abc/regions/r.jpg", "photos/ab/abcd/thumb.jpg",
                "institutions/1/logo.png", "institutions/1/logo.png.old"):
        store.put(key, b"x")
    store.delete_prefix("photos/ab/abc")
    store.delete_prefix("institutions/1/logo.png")  # one file is a prefix too
    store.delete_prefix("photos/zz/missing")  # nothing there: nothing to do
    assert store.keys("photos") == ["photos/ab/abcd/thumb.jpg"]
    assert store.keys("institutions") == ["institutions/1/logo.png.old"]


# --- staging -------------------------------------------------------------------------------------

def test_only_staging_folders_are_discarded_and_old_ones_cleared(store: Storage, tmp_path: Path) -> None:
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
    assert _everything(old.parent) == []


# --- send ----------------------------------------------------------------------------------------

def test_a_stored_file_is_sent_with_its_caching_headers_and_answers_if_none_match(store: Storage) -> None:
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


# --- public addresses (PHOTOID_MEDIA_URL) and choosing the backend ---------------------------------

def test_a_file_has_a_public_address_only_under_a_media_url(store: Storage) -> None:
    assert store.public_url("photos/ab/abc/thumb.jpg") is None  # then photoid sends it
    store.media_url = "https://cdn.example.org/media"  # type: ignore[attr-defined]
    assert (store.public_url("photos/ab/abc/iiif/0,0,512,512/512,/0/default.jpg")
            == "https://cdn.example.org/media/photos/ab/abc/iiif/0,0,512,512/512,/0/default.jpg")
    with pytest.raises(StorageError, match="unsafe storage key"):
        store.public_url("../secret")


def test_the_storage_url_chooses_the_backend(tmp_path: Path) -> None:
    local = storage_at(None, upload_dir=tmp_path / "uploads")
    assert str(local) == str(tmp_path / "uploads")
    pytest.importorskip("boto3", reason="boto3 is not installed (the optional extra s3)")
    bucket = storage_at("s3://photos-bucket/site/one/", upload_dir=tmp_path / "uploads",
                        endpoint_url="http://127.0.0.1:9", media_url="https://cdn.example.org")
    assert str(bucket) == "s3://photos-bucket/site/one"
    assert bucket.staging_folder().parent == tmp_path / "uploads" / "staging"  # made on the local disk
    assert bucket.public_url("photos/x.jpg") == "https://cdn.example.org/photos/x.jpg"
    with pytest.raises(StorageError, match="s3://bucket/prefix"):
        storage_at("s3:///nobucket", upload_dir=tmp_path)


# --- only in a bucket: a folder is complete when its marker is there -------------------------------

@pytest.fixture
def bucket_store(tmp_path: Path):  # type: ignore[no-untyped-def]
    endpoint = s3_endpoint()
    from photoid.photos.s3_storage import S3Storage

    client = s3_client(endpoint)
    return S3Storage(client, new_bucket(client), S3_PREFIX, staging_root=tmp_path / "staging")


def test_a_folder_half_uploaded_by_a_crash_is_not_complete_and_the_next_put_finishes_it(bucket_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bucket_store.put("photos/ab/abc/thumb.jpg", b"left by a crashed run")  # no meta.json: incomplete
    folder = _made_folder(bucket_store.staging_folder(), {"thumb.jpg": b"t", "display.jpg": b"d", "meta.json": b"{}"})
    assert bucket_store.put_folder("photos/ab/abc", folder) is True
    assert bucket_store.keys("photos/ab/abc") == [f"photos/ab/abc/{n}" for n in ("display.jpg", "meta.json", "thumb.jpg")]
    with bucket_store.open("photos/ab/abc/thumb.jpg") as handle:
        assert handle.read() == b"t"


def test_the_marker_is_uploaded_last_and_a_put_that_loses_the_race_says_so(bucket_store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    uploaded: list[str] = []
    put_object = bucket_store.client.put_object

    def recording_put(**kwargs):  # type: ignore[no-untyped-def]
        uploaded.append(kwargs["Key"].rsplit("/", 1)[1])
        if kwargs["Key"].endswith("/meta.json"):  # another server's put of the same photo finishes first
            put_object(Bucket=kwargs["Bucket"], Key=kwargs["Key"], Body=b'{"theirs": 1}')
        return put_object(**kwargs)

    monkeypatch.setattr(bucket_store.client, "put_object", recording_put)
    folder = _made_folder(bucket_store.staging_folder(), {"a.jpg": b"a", "meta.json": b"{}", "z.jpg": b"z"})
    assert bucket_store.put_folder("photos/ab/abc", folder) is False
    assert uploaded == ["a.jpg", "z.jpg", "meta.json"] and not folder.exists()
    with bucket_store.open("photos/ab/abc/meta.json") as handle:
        assert handle.read() == b'{"theirs": 1}'  # the first put wins; its files are kept
    assert bucket_store.keys("photos/ab/abc") == [f"photos/ab/abc/{n}" for n in ("a.jpg", "meta.json", "z.jpg")]


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
