"""Renewals: the pipeline (queries), the one update command, history and as-of views, and
the executives' forecast (figures, snapshots, accuracy, calibration)."""
