"""The declared Unreal API (engine_plugins/unreal/core_tests/unreal_api) says where each declaration comes from:
every file names the engine header it stands in for, every declaration in UnrealApi.h names the header that
declares it, and the README lists every file. With UNREAL_ENGINE_ROOT set to an engine source tree, every cited
header must exist there."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.test_engine_cores import CPP_CORE

UNREAL_API = CPP_CORE.parents[2] / "core_tests" / "unreal_api"
FROM = re.compile(r"^// From: (\S+)")
# An engine path: a header (or, for UnrealBuildTool's module macros, its C# source) under Engine/Source or
# Engine/Plugins.
ENGINE_PATH = re.compile(r"^Engine/(Source|Plugins)/(Runtime|Developer|Editor|Programs|[A-Za-z]+)/[\w./-]+\.(h|cs)$")
# A declaration at file scope: what `// From:` must cover.
DECLARATION = re.compile(r"^(class|struct|enum|template|using|namespace|inline|#define)\b")


def _headers() -> list[Path]:
    return sorted(path for path in UNREAL_API.rglob("*.h"))


def _cited(line: str) -> str | None:
    match = FROM.match(line)
    return match.group(1) if match else None


def _declarations_without_source(text: str) -> list[str]:
    """File-scope declarations whose comment block right above has no `// From:` line."""
    lines = text.splitlines()
    missing = []
    for number, line in enumerate(lines):
        if not DECLARATION.match(line) or line.startswith("namespace UE::Math"):
            continue
        if number > 0 and lines[number - 1].startswith("template"):
            continue  # the template line carries the citation
        above = number - 1
        cited = False
        while above >= 0 and lines[above].startswith("//"):
            cited = cited or _cited(lines[above]) is not None
            above -= 1
        if not cited:
            missing.append(f"{number + 1}: {line}")
    return missing


def test_the_declared_api_is_a_folder_of_headers() -> None:
    headers = _headers()
    assert (UNREAL_API / "UnrealApi.h") in headers
    assert len(headers) >= 20


@pytest.mark.parametrize("header", [path for path in _headers() if path.name != "UnrealApi.h"],
                         ids=lambda path: str(path.relative_to(UNREAL_API)))
def test_every_stand_in_names_the_engine_header_it_comes_from(header: Path) -> None:
    first = header.read_text().splitlines()[0]
    cited = _cited(first)
    assert cited is not None, f"{header.name} does not start with a `// From: Engine/...` line"
    assert ENGINE_PATH.match(cited), f"{header.name} cites {cited!r}, not an Engine/Source or Engine/Plugins header"
    if not header.name.endswith(".generated.h"):
        # A stand-in sits at the engine header's own include path, so the glue's #include finds it.
        include_path = str(header.relative_to(UNREAL_API))
        assert cited.endswith("/" + include_path), f"{include_path} stands in for {cited}"


def test_every_declaration_names_its_engine_header() -> None:
    text = (UNREAL_API / "UnrealApi.h").read_text()
    assert _declarations_without_source(text) == []
    cited = [_cited(line) for line in text.splitlines() if _cited(line)]
    bad = [path for path in cited if not ENGINE_PATH.match(path)]
    assert bad == []
    assert len(cited) >= 80


def test_an_uncited_declaration_is_caught() -> None:
    """The check above can fail: a declaration with only a plain comment above it is reported."""
    text = "// From: Engine/Source/Runtime/Core/Public/Misc/Guid.h\nstruct FGuid {};\n// a comment\nstruct FOther {};\n"
    assert _declarations_without_source(text) == ["4: struct FOther {};"]


def test_the_readme_lists_every_file_and_the_source_commit() -> None:
    readme = (UNREAL_API / "README.md").read_text()
    for header in _headers():
        assert f"`{header.relative_to(UNREAL_API)}`" in readme, f"README.md does not list {header.name}"
    assert "realAYAYA/UnrealEngine-ToonLit" in readme
    assert re.search(r"\b[0-9a-f]{40}\b", readme), "README.md names no commit"
    assert "5.3.1" in readme


def test_the_cited_headers_exist_in_an_engine_tree() -> None:
    root = os.environ.get("UNREAL_ENGINE_ROOT")
    if not root:
        pytest.skip("UNREAL_ENGINE_ROOT is not set (an Unreal Engine 5.3 source tree)")
    cited = {
        path
        for header in _headers()
        for line in header.read_text().splitlines()
        if (path := _cited(line)) is not None
    }
    missing = sorted(path for path in cited if not (Path(root) / path).is_file())
    assert missing == []
