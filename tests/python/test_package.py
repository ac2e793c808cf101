"""The installed distribution: its metadata is what an index shows, and it is
the wheel under test, not the source tree."""

import importlib.metadata
import pathlib

import veriscope


def test_the_distribution_carries_complete_metadata():
    meta = importlib.metadata.metadata("veriscope")
    assert meta["Name"] == "veriscope"
    assert meta["Version"] == veriscope.__version__
    assert meta["License-Expression"] == "MIT OR Apache-2.0"
    assert meta["Requires-Python"] == ">=3.9"
    urls = dict(url.split(", ", 1) for url in meta.get_all("Project-URL"))
    assert {"Homepage", "Repository", "Documentation", "Changelog"} <= urls.keys()
    classifiers = meta.get_all("Classifier")
    assert "Typing :: Typed" in classifiers
    assert not any(c.startswith("License ::") for c in classifiers), "the expression says it"
    assert meta["Description-Content-Type"].startswith("text/markdown")
    assert "Forgery analysis" in meta.get_payload()


def test_the_package_is_typed_and_imported_from_the_installed_wheel():
    package = pathlib.Path(veriscope.__file__).parent
    assert (package / "py.typed").is_file()
    assert (package / "_native.pyi").is_file()
    assert "site-packages" in package.parts, f"imported from {package}, not an install"
    files = importlib.metadata.files("veriscope")
    assert any(f.name.startswith("_native") and f.suffix == ".so" for f in files)
