"""The package map of DESIGN.md §1: lower packages never import higher ones.

Parses every module's imports (including those inside functions) rather than importing them, so a
deferred import cannot hide a wrong dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "dangan"

ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "domain": {"core"},
    "demo": {"core", "domain", "digitize"},
    "collect": {"core", "domain"},
    "checks": {"core", "domain", "digitize"},
    "digitize": {"core", "domain"},
    "ledger": {"core", "domain"},
    "store": {"core", "domain"},
    "index": {"core", "domain", "store"},
    "graph": {"core", "domain", "store"},
    "access": {"core", "domain", "store"},
    "services": {
        "core",
        "domain",
        "demo",
        "collect",
        "checks",
        "digitize",
        "ledger",
        "store",
        "index",
        "graph",
        "access",
        "share",
        "lifecycle",
    },
    "share": {"core", "domain", "store", "index", "ledger"},
    "lifecycle": {"core", "domain", "store"},
    "insight": {"core", "domain", "store", "access", "services"},
    "monitor": {"core", "domain", "store", "access", "services"},
    "web": {"core", "domain", "access", "services", "insight", "monitor"},  # delivery is services.delivery
    "cli": {"core", "domain", "access", "services", "web", "insight", "monitor"},
    "jobs": {"core", "domain", "services"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "dangan" and len(parts) > 1:
                found.add(parts[1])
    return found


def _packages() -> list[str]:
    return sorted(p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists())


def test_every_package_is_on_the_map() -> None:
    unknown = set(_packages()) - set(ALLOWED)
    assert not unknown, f"packages missing from the layer map: {unknown}"


@pytest.mark.parametrize("package", _packages())
def test_package_imports_only_lower_layers(package: str) -> None:
    bad = []
    for module in (SRC / package).rglob("*.py"):
        for target in _imports(module) - {package}:
            if target not in ALLOWED[package]:
                bad.append(f"{module.relative_to(SRC)} imports dangan.{target}")
    assert not bad, "\n".join(bad)


def test_a_subpackage_face_may_be_imported_but_not_its_private_modules() -> None:
    assert _is_face(["dangan", "store", "catalog"])
    assert not _is_face(["dangan", "store", "catalog", "_models"])
    assert not _is_face(["dangan", "store", "nonexistent"])


def test_checker_catches_a_violation(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from dangan.services import search\n", encoding="utf-8")
    assert _imports(module) == {"services"}


def _cross_package_private_imports(package: str) -> list[str]:
    bad = []
    for module in (SRC / package).rglob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                parts = node.module.split(".")
                if parts[0] == "dangan" and len(parts) > 2 and parts[1] != package and not _is_face(parts):
                    bad.append(f"{module.relative_to(SRC)} imports {node.module}")
    return bad


def _is_face(parts: list[str]) -> bool:
    """`dangan.store.catalog` is a face (a subpackage's `__init__`); `dangan.store.catalog._models` is not."""
    path = SRC.joinpath(*parts[1:])
    return not any(p.startswith("_") for p in parts) and (path / "__init__.py").exists()


@pytest.mark.parametrize("package", _packages())
def test_other_packages_are_used_only_through_their_public_names(package: str) -> None:
    assert not _cross_package_private_imports(package)


def _faces() -> list[str]:
    """Every package and subpackage: each is imported by others only through its `__init__`."""
    return sorted(
        ".".join(init.parent.relative_to(SRC.parent).parts)
        for init in SRC.rglob("__init__.py")
        if init.parent != SRC
        and not any(p.startswith("_") for p in init.parent.relative_to(SRC).parts)
        and _declares_anything(init)
    )


def _declares_anything(init: Path) -> bool:
    """A folder of data files or of route modules has a docstring-only `__init__`: it is no face."""
    body = ast.parse(init.read_text(encoding="utf-8")).body
    return any(not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)) for n in body)


@pytest.mark.parametrize("face", _faces())
def test_public_names_exist(face: str) -> None:
    import importlib

    mod = importlib.import_module(face)
    names = getattr(mod, "__all__", None)
    assert names, f"{face} declares no __all__"
    assert len(names) == len(set(names))
    for name in names:
        assert hasattr(mod, name), f"{face}.{name} is in __all__ but missing"


# Capabilities inside services, lowest first: each may use only those before it (through their faces).
SERVICE_ORDER = [
    "archive",
    "accounts",
    "records",
    "preservation",
    "graph",
    "utilisation",
    "digitization",
    "quality",
    "intake",
    "certify",  # the PAdES signing helper signs handover papers and lifecycle registers
    "handover",
    "lifecycle",
    "share",
    "oversight",
    "practice",  # practice mode: sandboxes opened through intake, utilisation and accounts
]


def test_every_service_capability_is_in_the_order() -> None:
    found = {p.name for p in (SRC / "services").iterdir() if (p / "__init__.py").exists()}
    assert found <= set(SERVICE_ORDER), (
        f"capabilities missing from SERVICE_ORDER: {found - set(SERVICE_ORDER)}"
    )


@pytest.mark.parametrize("capability", SERVICE_ORDER)
def test_service_capabilities_use_only_lower_ones_through_their_faces(capability: str) -> None:
    allowed = set(SERVICE_ORDER[: SERVICE_ORDER.index(capability)])
    bad = []
    for module in (SRC / "services" / capability).rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level == 0 and node.module and node.module.startswith("dangan.services."):
                parts = node.module.split(".")
            elif node.level == 2 and node.module:
                parts = ["dangan", "services", *node.module.split(".")]
            else:
                continue
            other = parts[2]
            if other == capability:
                continue
            if other not in allowed or len(parts) > 3:
                bad.append(f"{module.relative_to(SRC)} imports {'.'.join(parts)}")
    assert not bad, "\n".join(bad)
