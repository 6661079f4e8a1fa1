"""pyproject.toml and environment.yml list the same dependencies."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _norm(req: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.-]+)\s*(.*)$", req)
    name = m.group(1).lower().replace("_", "-")
    return name, m.group(2).replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = dict(map(_norm, project["dependencies"] + project["optional-dependencies"]["test"]))
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    listed = [d for d in env["dependencies"] if isinstance(d, str)]
    listed += [d for sub in env["dependencies"] if isinstance(sub, dict)
               for d in sub.get("pip", []) if not d.startswith("-e")]  # packages with extras
    conda = dict(_norm(d) for d in listed if not d.startswith(("python", "pip")))
    assert conda == wanted, "environment.yml and pyproject.toml disagree"


def test_required_packages_are_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {_norm(d)[0] for d in project["dependencies"]}
    assert {"jupyterlab", "ipywidgets", "pandas", "seaborn", "scikit-learn", "nbval", "papermill",
            "faker"} <= names
    assert project["scripts"]["crm-training"] == "crm_training.cli:main"
