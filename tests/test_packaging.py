"""A clean install (issue 13): the wheel builds with no warning from our packaging, ships every
package, the statements' artifacts and the licence, and works outside the source tree."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_every_package_is_listed_in_pyproject():
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "zkclaims").rglob("__init__.py")
    }
    found |= {"zkclaims.circuits" + "".join(f".{x}" for x in p.parent.relative_to(
        ROOT / "circuits").parts) for p in (ROOT / "circuits").rglob("__init__.py")}
    assert found <= listed, f"add to pyproject.toml [tool.setuptools] packages: {found - listed}"


def test_current_licence_metadata():
    project = PYPROJECT["project"]
    assert project["license"] == "Apache-2.0"  # an SPDX expression, not a table (deprecated)
    assert project["license-files"] == ["LICENSE"]
    requires = PYPROJECT["build-system"]["requires"]
    assert any(re.fullmatch(r"setuptools>=(\d+)", r) and int(r.split(">=")[1]) >= 77
               for r in requires), requires


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    run = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-v", "-w", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=900,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    (path,) = out.glob("zkclaims-*.whl")
    return path, run.stdout + run.stderr


@pytest.mark.slow
def test_the_build_prints_no_packaging_warning(wheel):
    _, log = wheel
    noise = [line for line in log.splitlines()
             if re.search(r"warning|deprecat", line, re.I)
             and "byte-compiling is disabled" not in line  # PYTHONDONTWRITEBYTECODE, not ours
             and "is ignored: it is neither a file nor a directory" not in line]  # pip's index
    assert noise == []


@pytest.mark.slow
def test_the_wheel_ships_code_artifacts_and_licence(wheel):
    path, _ = wheel
    names = set(zipfile.ZipFile(path).namelist())
    for package in PYPROJECT["tool"]["setuptools"]["packages"]:
        if (ROOT / package.replace(".", "/") / "__init__.py").exists():
            assert f"{package.replace('.', '/')}/__init__.py" in names, package
    assert any(re.fullmatch(r"zkclaims/circuits/artifacts/[^/]+/verifying_key\.json", n)
               for n in names)
    # the ceremony transcript the keys come from, and the ledger's migrations
    assert "zkclaims/circuits/ceremony/phase1/pot11.ptau" in names
    assert any(re.fullmatch(r"zkclaims/circuits/ceremony/[^/]+/[^/]+\.zkey", n) for n in names)
    assert {"zkclaims/registry/migrations/env.py",
            "zkclaims/registry/migrations/script.py.mako"} <= names
    assert any(re.fullmatch(r"zkclaims/registry/migrations/versions/[^/]+\.py", n)
               for n in names)
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(path).read(meta).decode()
    assert "License-Expression: Apache-2.0" in text


@pytest.mark.slow
def test_the_installed_wheel_works_outside_the_source_tree(wheel, tmp_path):
    path, _ = wheel
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=300)
    py = venv / "bin" / "python"
    # the wheel alone into the clean venv; its dependencies come from this test's environment
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet",
                    "--target", str(tmp_path / "site"), str(path)], check=True, timeout=300)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(tmp_path / "site"), sysconfig.get_paths()["purelib"],
         sysconfig.get_paths()["platlib"]])}
    code = ("import zkclaims, zkclaims.circuits as c; from zkclaims.cli import main;"
            "print(zkclaims.__file__); print(c.load_verifying_key(c.artifact_names()[0]).n_public);"
            "raise SystemExit(main(['category', 'simple', 'complex', '--json']))")
    run = subprocess.run([str(py), "-c", code], capture_output=True, text=True, cwd=tmp_path,
                         env=env, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    first, n_public, *rest = run.stdout.splitlines()
    assert first.startswith(str(tmp_path / "site"))  # not the source tree
    assert int(n_public) > 0 and '"category": "b"' in "\n".join(rest)
    # the installed package's migrations create a ledger (Alembic reads them from the wheel)
    ledger = tmp_path / "ledger.db"
    code = ("from zkclaims.cli import main;"
            f"raise SystemExit(main(['registry', 'migrate', '--database', 'sqlite:///{ledger}']))")
    run = subprocess.run([str(py), "-c", code], capture_output=True, text=True, cwd=tmp_path,
                         env=env, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    import sqlite3

    with sqlite3.connect(ledger) as db:
        tables = {r[0] for r in db.execute("select name from sqlite_master where type='table'")}
    assert "alembic_version" in tables and len(tables) > 2, tables
