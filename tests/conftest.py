"""Shared test set-up: plots render off-screen, so the suite runs on a machine without a display."""
import os

os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib  # noqa: E402

matplotlib.use("Agg")
