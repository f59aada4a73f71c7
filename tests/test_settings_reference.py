"""docs/settings.md is the settings class's own reference (``pitstop settings``): a setting
added, renamed or re-described without regenerating it fails here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pitstop.settings import Settings, reference

DOC = Path(__file__).resolve().parents[1] / "docs" / "settings.md"


def test_the_committed_reference_is_the_generated_one():
    assert DOC.read_text() == reference(), "regenerate: pitstop settings > docs/settings.md"


def test_every_setting_is_described_and_listed():
    text = reference()
    for name, field in Settings.model_fields.items():
        assert field.description, f"PITSTOP_{name.upper()} has no description"
        assert f"`PITSTOP_{name.upper()}`" in text


def test_the_cli_prints_it():
    out = subprocess.run([sys.executable, "-m", "pitstop", "settings"], capture_output=True,
                         text=True, check=True).stdout
    assert out == reference()
