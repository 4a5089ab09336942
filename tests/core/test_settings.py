from __future__ import annotations

from pathlib import Path

import pytest

from dangan.core import ConfigurationError, load_settings
from dangan.domain import ArchivalCodeParts, ArchivalCodeRule


def test_toml_then_environment_then_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "dangan.toml").write_text(
        '[dangan]\nfonds_code = "J013"\nfonds_name = "某馆"\n', encoding="utf-8"
    )
    assert load_settings(tmp_path).fonds_code == "J013"
    monkeypatch.setenv("DANGAN_FONDS_CODE", "ENV1")
    s = load_settings(tmp_path)
    assert s.fonds_code == "ENV1" and s.fonds_name == "某馆"
    assert load_settings(tmp_path, fonds_code="X").fonds_code == "X"


def test_broken_toml_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "dangan.toml").write_text("[dangan\n", encoding="utf-8")
    with pytest.raises(ConfigurationError) as info:
        load_settings(tmp_path)
    assert "dangan.toml" in info.value.message


def test_production_refuses_the_development_secret(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as info:
        load_settings(tmp_path, env="production")
    assert "DANGAN_SECRET_KEY" in info.value.message
    settings = load_settings(tmp_path, env="production", secret_key="s3cr3t-from-vault")
    assert settings.secret_key.get_secret_value() == "s3cr3t-from-vault"


def test_secrets_never_show_in_the_settings_printed(tmp_path: Path) -> None:
    settings = load_settings(
        tmp_path, secret_key="s3cr3t-from-vault", master_key="k" * 64, s3_secret_key="s3key"
    )
    shown = repr(settings) + str(settings.model_dump())
    for secret in ("s3cr3t-from-vault", "k" * 64, "s3key"):
        assert secret not in shown


def test_archival_code_rule() -> None:
    parts = ArchivalCodeParts("Z001", 2023, "D30", "SCJG")
    assert (
        ArchivalCodeRule("{fonds}-{year}-{retention}-{org}-{item:04d}").format(parts, 7)
        == "Z001-2023-D30-SCJG-0007"
    )
    custom = ArchivalCodeRule("{fonds}·{org}·{year}·{item:05d}")
    assert custom.format(parts, 12) == "Z001·SCJG·2023·00012"
    with pytest.raises(ConfigurationError):
        ArchivalCodeRule("{fonds}-{year}")
    with pytest.raises(ConfigurationError):
        ArchivalCodeRule("{fonds}-{bogus}-{item}")


@pytest.mark.parametrize(
    ("setting", "value", "allowed"),
    [("env", "prod", "development、production"), ("cipher", "sm4", "AES-256-GCM、SM4-GCM"),
     ("ledger_signature", "rsa", "ed25519、sm2"), ("primary_store", "nfs", "local、s3"),
     ("replicas", "local,tape", "local、s3")],
)  # fmt: skip
def test_a_mistyped_setting_is_refused_naming_the_allowed_values(
    tmp_path: Path, setting: str, value: str, allowed: str
) -> None:
    """DANGAN_ENV=prod used to skip the production checks in silence; every closed setting now refuses."""
    with pytest.raises(ConfigurationError) as err:
        load_settings(tmp_path, **{setting: value})
    assert f"DANGAN_{setting.upper()}" in err.value.message and allowed in err.value.message
    assert value in err.value.message


def test_store_places_are_normalised(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, primary_store=" local ", replicas=" local , s3 ")
    assert (settings.primary_store, settings.replicas) == ("local", "local,s3")
    # No second copy passes here; open_archive then asks for one, in its own words.
    assert load_settings(tmp_path, replicas="").replicas == ""
