"""Shared test set-up: plots render off-screen, so the suite runs on a machine without a display."""
import os

os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import pytest  # noqa: E402


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    """Under ``--dist loadgroup`` keep each file on one worker: a notebook's cells share one
    kernel (nbval), a module's fixtures are built once. Tests that name their own group (the
    notebook sweeps, one per chapter) are spread over the workers instead."""
    for item in items:
        if not any(item.iter_markers("xdist_group")):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))


@pytest.fixture(scope="session")
def cdnow():
    """The CDNOW cohort's summary (2,357 customers, weeks), shared by the CLV model tests."""
    from clv_data import cdnow_summary

    return cdnow_summary()


@pytest.fixture
def cjk_font():
    """The CJK font matplotlib will use; skipped without one, failed when CI or
    CRM_REQUIRE_FONTS demands one (a Chinese chart must not pass drawn in empty boxes)."""
    from crm_training.fonts import find_cjk_font

    font = find_cjk_font()
    if font is None:
        if os.environ.get("CI") or os.environ.get("CRM_REQUIRE_FONTS"):
            pytest.fail("no CJK font found, but CI/CRM_REQUIRE_FONTS demands one: "
                        "apt-get install fonts-noto-cjk")
        pytest.skip("no CJK font on this machine (apt-get install fonts-noto-cjk)")
    return font
