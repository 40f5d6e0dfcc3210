"""Import presets: real-world exports (help desks, CRMs, survey tools, public datasets)
mapped onto the canonical import files, validated and imported by ``cs_data.importers``."""

from __future__ import annotations

from cs_data.presets.builtin import BUILTIN
from cs_data.presets.guess import MANUAL, guess_columns, guess_preset, manual_preset
from cs_data.presets.mapping import PROBLEM_CODES, Problem
from cs_data.presets.reading import SourceTable
from cs_data.presets.run import Preview, Report, check_file, import_with_preset, preview
from cs_data.presets.spec import ColumnRule, Preset, preset_from_dict
from cs_data.presets.store import delete_preset, get_preset, list_presets, save_preset

__all__ = [
    "BUILTIN",
    "MANUAL",
    "PROBLEM_CODES",
    "ColumnRule",
    "Preset",
    "Preview",
    "Problem",
    "Report",
    "SourceTable",
    "check_file",
    "delete_preset",
    "get_preset",
    "guess_columns",
    "guess_preset",
    "import_with_preset",
    "list_presets",
    "manual_preset",
    "preset_from_dict",
    "preview",
    "save_preset",
]
