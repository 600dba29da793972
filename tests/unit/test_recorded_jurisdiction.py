"""The data folder remembers its regulation (issue 14, the first hour): ``xinyong init`` records it, every
later command and the server read it without anyone exporting ``XINYONG_JURISDICTION``, and a different
value on that folder is refused with what to do, in both languages, before anything runs."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from xinyong.cli import app
from xinyong.settings import Settings, UnsafeDeployment, reset_settings


@pytest.fixture
def folder(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("XINYONG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XINYONG_ENV", "local")
    monkeypatch.delenv("XINYONG_DATABASE_URL", raising=False)
    monkeypatch.delenv("XINYONG_JURISDICTION", raising=False)
    reset_settings()
    yield tmp_path / "data"
    reset_settings()


def test_init_records_the_regulation_and_later_commands_use_it(folder, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    monkeypatch.setenv("XINYONG_JURISDICTION", "gansu-2021")
    reset_settings()
    assert runner.invoke(app, ["init", "--json"]).exit_code == 0
    assert (folder / "jurisdiction").read_text(encoding="utf-8").strip() == "gansu-2021"
    monkeypatch.delenv("XINYONG_JURISDICTION")
    reset_settings()
    assert Settings().jurisdiction == "gansu-2021"            # nobody exported anything
    again = runner.invoke(app, ["init", "--json"])
    assert again.exit_code == 0 and '"jurisdiction": "gansu-2021"' in again.output


def test_another_regulation_on_that_folder_is_refused_saying_how_to_fix_it(folder, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from xinyong.services.platform.bootstrap import Platform

    folder.mkdir(parents=True)
    (folder / "jurisdiction").write_text("gansu-2021\n", encoding="utf-8")
    monkeypatch.setenv("XINYONG_JURISDICTION", "shanghai-2017")
    reset_settings()
    with pytest.raises(UnsafeDeployment) as refused:
        Platform.from_settings()
    assert refused.value.reason == "jurisdiction_mismatch" and refused.value.field == "XINYONG_JURISDICTION"
    assert "gansu-2021" in refused.value.message_zh and "XINYONG_DATA_DIR" in refused.value.message_zh
    assert "unset XINYONG_JURISDICTION" in refused.value.message_en


def test_a_folder_never_initialised_takes_the_setting(folder) -> None:  # type: ignore[no-untyped-def]
    assert Settings(jurisdiction="beijing-draft").jurisdiction == "beijing-draft"
    assert Settings().recorded_jurisdiction is None
