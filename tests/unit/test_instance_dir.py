"""Where a site keeps its data by default: PHOTOID_INSTANCE_DIR, else instance/ in a checkout, else
the user's data folder, never inside the installed package."""
from __future__ import annotations

from pathlib import Path

import pytest

import config
from config import Config


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in ("PHOTOID_INSTANCE_DIR", "PHOTOID_DATABASE_URL", "PHOTOID_UPLOAD_DIR", "PHOTOID_INDEX_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PHOTOID_SECRET_KEY", "not generated in these tests")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data-home"))
    return monkeypatch


def test_everything_lives_in_the_instance_folder_it_names(environment, tmp_path) -> None:
    environment.setenv("PHOTOID_INSTANCE_DIR", str(tmp_path / "site"))
    settings = Config()
    assert settings.INSTANCE_DIR == tmp_path / "site"
    assert settings.UPLOAD_DIR == tmp_path / "site" / "uploads"
    assert settings.INDEX_DIR == tmp_path / "site" / "index"
    assert settings.SQLALCHEMY_DATABASE_URI == f"sqlite:///{tmp_path / 'site' / 'photoid.sqlite3'}"


def test_a_relative_instance_folder_is_fixed_where_the_command_started(environment, tmp_path) -> None:
    environment.chdir(tmp_path)
    environment.setenv("PHOTOID_INSTANCE_DIR", "site")
    assert Config().INSTANCE_DIR == tmp_path / "site"


def test_each_folder_can_still_be_set_on_its_own(environment, tmp_path) -> None:
    environment.setenv("PHOTOID_INSTANCE_DIR", str(tmp_path / "site"))
    environment.setenv("PHOTOID_UPLOAD_DIR", str(tmp_path / "photos"))
    environment.setenv("PHOTOID_DATABASE_URL", "postgresql://db.example/photoid")
    settings = Config()
    assert settings.UPLOAD_DIR == tmp_path / "photos"
    assert settings.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://db.example/photoid"


def test_an_installed_package_keeps_data_in_the_users_data_folder(environment, tmp_path) -> None:
    site_packages = tmp_path / "venv" / "lib" / "site-packages"  # config.py's folder once installed
    site_packages.mkdir(parents=True)
    environment.setattr(config, "PROJECT_ROOT", site_packages)
    settings = Config()
    assert settings.INSTANCE_DIR == tmp_path / "data-home" / "photoid"
    assert settings.UPLOAD_DIR == tmp_path / "data-home" / "photoid" / "uploads"


def test_a_checkout_keeps_its_instance_folder_and_the_photos_already_in_its_uploads(environment, tmp_path) -> None:
    checkout = tmp_path / "checkout"
    (checkout / "uploads").mkdir(parents=True)
    (checkout / "pyproject.toml").write_text("")
    (checkout / "uploads" / ".gitkeep").write_text("")
    environment.setattr(config, "PROJECT_ROOT", checkout)
    assert Config().INSTANCE_DIR == checkout / "instance"
    assert Config().UPLOAD_DIR == checkout / "instance" / "uploads"  # nothing there yet: the new place
    (checkout / "uploads" / "originals").mkdir()
    assert Config().UPLOAD_DIR == checkout / "uploads"  # an older checkout's photos stay where they are


def test_a_database_server_connection_is_tested_before_use_and_an_sqlite_file_is_not(environment, tmp_path) -> None:
    environment.setenv("PHOTOID_INSTANCE_DIR", str(tmp_path / "site"))
    assert Config().SQLALCHEMY_ENGINE_OPTIONS == {"pool_pre_ping": False}  # one statement less on every request
    environment.setenv("PHOTOID_DATABASE_URL", "postgresql://db.example/photoid")
    assert Config().SQLALCHEMY_ENGINE_OPTIONS == {"pool_pre_ping": True}  # survives a server restart
