"""The tree is the architecture: each package imports only the layers below it, and no two
packages import each other. Read from the source with `ast`, so nothing needs importing."""

from __future__ import annotations

import ast

import pytest

from campaign.config import ROOT

PACKAGE = ROOT / "campaign"
BELOW_FEATURES = {"text", "models", "web", "mail", "audit"}
FEATURES = {
    "petitions",
    "campaigns",
    "privacy",
    "statements",
    "updates",
    "integrations",
    "delivery",
    "wall",
    "operations",
    "protection",
}
BLUEPRINTS = {"public", "staff", "api"}
# What each package may import, as its __init__ says; the root modules (configuration and the
# extensions) are open to all, the factory and the command line import everything.
MAY_IMPORT: dict[str, set[str]] = {
    "text": set(),
    "models": {"text"},
    "web": {"text", "models"},
    "mail": {"text", "models", "web"},
    "audit": {"text", "models", "web"},
    # Features record their events for the webhooks (campaign.integrations.events).
    "integrations": BELOW_FEATURES,
    "petitions": BELOW_FEATURES | {"integrations"},
    "campaigns": BELOW_FEATURES | {"integrations"},
    "privacy": BELOW_FEATURES | {"petitions", "integrations", "wall"},
    "statements": BELOW_FEATURES | {"petitions", "campaigns"},
    "updates": BELOW_FEATURES | {"petitions", "integrations"},
    "delivery": BELOW_FEATURES | {"privacy"},
    "wall": BELOW_FEATURES | {"petitions", "integrations"},
    "operations": BELOW_FEATURES,
    "protection": BELOW_FEATURES | {"petitions", "privacy"},
    "public": BELOW_FEATURES | FEATURES,
    "api": BELOW_FEATURES | FEATURES | {"public"},
    "staff": BELOW_FEATURES | FEATURES,
    "demo": BELOW_FEATURES | FEATURES,
}
ROOT_MODULES = {"__init__", "__main__", "cli", "config", "database", "extensions", "sqlite_writer"}


def imported_packages(source: str) -> set[str]:
    """The top-level packages of `campaign` that a module's source imports."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "campaign":
                names = [f"campaign.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "campaign" and len(parts) > 1:
                found.add(parts[1])
    return found


def package_imports() -> dict[str, set[str]]:
    """For each package of `campaign`, the other packages it imports."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        if len(relative.parts) == 1:
            continue
        package = relative.parts[0]
        imported = imported_packages(path.read_text(encoding="utf-8")) - {package}
        graph.setdefault(package, set()).update(imported - ROOT_MODULES)
    return graph


def violations(graph: dict[str, set[str]], allowed: dict[str, set[str]]) -> list[str]:
    found = []
    for package, imported in sorted(graph.items()):
        if package not in allowed:
            found.append(f"{package} is not placed in a layer")
            continue
        found += [f"{package} imports {other}" for other in sorted(imported - allowed[package])]
        found += [
            f"{package} and {other} import each other"
            for other in sorted(imported)
            if package < other and package in graph.get(other, set())
        ]
    return found


def test_every_package_imports_only_what_its_layer_allows():
    assert violations(package_imports(), MAY_IMPORT) == []


def test_the_root_holds_the_factory_and_its_wiring_only():
    modules = {path.stem for path in PACKAGE.glob("*.py")}
    assert modules <= ROOT_MODULES and len(modules) <= 8


def test_every_package_says_what_it_holds_and_what_it_may_import():
    for package in MAY_IMPORT:
        docstring = ast.get_docstring(ast.parse((PACKAGE / package / "__init__.py").read_text()))
        assert docstring, package
        if package not in {"models"}:
            assert "import" in docstring, package


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from campaign.web.links import absolute_url", {"web"}),
        ("import campaign.petitions.signing", {"petitions"}),
        ("from campaign import create_app, models", {"create_app", "models"}),
        ("from . import sibling", set()),
        ("def f():\n    from campaign.staff import bp", {"staff"}),
    ],
)
def test_imports_are_read_wherever_they_stand(source, expected):
    assert imported_packages(source) == expected


def test_an_upward_import_or_a_cycle_is_caught():
    graph = {"web": {"petitions"}, "petitions": {"web"}, "mail": {"web"}}
    assert violations(graph, MAY_IMPORT) == [
        "petitions and web import each other",
        "web imports petitions",
    ]
    assert violations({"newcomer": set()}, MAY_IMPORT) == ["newcomer is not placed in a layer"]
