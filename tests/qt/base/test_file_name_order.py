"""File names in a Qt file dialog's order: numbers by value, case and accents aside."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from studio.qt.base.file_name_order import file_name_order


def test_numbers_sort_by_value_and_case_and_accents_do_not_lead():
    names = ["walk10.mp4", "Walk9.mp4", "zebra.png", "Äpfel.png", "apple.png"]
    assert file_name_order(names) == ["Äpfel.png", "apple.png", "Walk9.mp4", "walk10.mp4",
                                      "zebra.png"]


def test_swedish_puts_a_with_umlaut_after_z():
    assert file_name_order(["Äpple", "zebra", "apa"], "sv_SE") == ["apa", "zebra", "Äpple"]
