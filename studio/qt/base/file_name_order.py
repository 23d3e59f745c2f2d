"""File names in the order Qt's own file dialogs list them: QCollator, numbers by value.

Its own module because the order rests on ICU's collation data, which the app bundle
trims (packaging/trim_icu.py): `studio --self-test` checks it through this function.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cmp_to_key

from PySide6.QtCore import QCollator, QLocale


def file_name_order(names: Iterable[str], locale: str = "en_US") -> list[str]:
    """`names` sorted as a Qt file dialog would for `locale` (without ICU: code points)."""
    collator = QCollator(QLocale(locale))
    collator.setNumericMode(True)  # QFileSystemModel sorts "sketch2" before "sketch10"
    return sorted(names, key=cmp_to_key(collator.compare))
