"""Write the .meta file Unity needs beside every file and folder of the package (a package installed from a Git URL
is read-only: Unity ignores assets without one). GUIDs come from the path, so they never change between runs.

    python engine_plugins/unity/make_meta.py      (after adding a file to the package; tests check none is missing)
"""

from __future__ import annotations

import hashlib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent / "com.avatarbridge.unity"
IMPORTERS = {".cs": "MonoImporter", ".asmdef": "AssemblyDefinitionImporter", ".json": "TextScriptImporter",
             ".md": "TextScriptImporter"}
EXTRA = {"MonoImporter": ["serializedVersion: 2", "defaultReferences: []", "executionOrder: 0",
                          "icon: {instanceID: 0}"]}


def assets(root: Path = PACKAGE) -> list[Path]:
    """Files and folders Unity imports: everything but .meta files and folders ending in ~ (Samples~)."""
    found = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.suffix == ".meta" or any(part.endswith("~") or part.startswith(".") for part in relative.parts):
            continue
        found.append(path)
    return found


def meta(path: Path, root: Path = PACKAGE) -> str:
    guid = hashlib.md5(f"com.avatarbridge.unity/{path.relative_to(root).as_posix()}".encode()).hexdigest()
    if path.is_dir():
        importer, lines = "DefaultImporter", []
        head = [f"guid: {guid}", "folderAsset: yes"]
    else:
        importer = IMPORTERS.get(path.suffix, "DefaultImporter")
        if path.name == "package.json":
            importer = "PackageManifestImporter"
        lines, head = EXTRA.get(importer, []), [f"guid: {guid}"]
    body = ["externalObjects: {}", *lines, "userData: ", "assetBundleName: ", "assetBundleVariant: "]
    return "\n".join(["fileFormatVersion: 2", *head, f"{importer}:", *(f"  {b}" for b in body)]) + "\n"


def main() -> None:
    for path in assets():
        Path(f"{path}.meta").write_text(meta(path))


if __name__ == "__main__":
    main()
