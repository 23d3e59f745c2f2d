"""The export dialogs' choices: shown when a dialog opens, kept when it exports.

A project keeps the last choices (core/project/project_manifest.py's ExportRecord), so
the next export of the same piece starts where the last one ended.
"""

from __future__ import annotations

from studio.core.project.project_manifest import AnimationExportRecord, ImageExportRecord
from studio.qt.media.animation_dialog import AnimationExportDialog
from studio.qt.media.export_dialog import ExportDialog


def show_image_choices(dialog: ExportDialog, record: ImageExportRecord) -> None:
    dialog.format.setCurrentText(record.format)
    dialog.size.setValue(record.size)
    dialog.smooth.setCurrentIndex(0 if record.smooth else 1)
    dialog.transparent.setChecked(record.transparent)
    dialog.crop.setChecked(record.crop)
    for button, colour in ((dialog.ink, record.ink), (dialog.paper, record.paper)):
        if colour is not None:
            button.set_colour(colour)
    dialog.update_preview()


def image_choices(dialog: ExportDialog) -> ImageExportRecord:
    return ImageExportRecord(format=dialog.format.currentText(), size=dialog.size.value(),
                             smooth=dialog.smooth.currentIndex() == 0,
                             transparent=dialog.transparent.isChecked(),
                             crop=dialog.crop.isChecked(), ink=dialog.ink.colour(),
                             paper=dialog.paper.colour())


def show_animation_choices(dialog: AnimationExportDialog, record: AnimationExportRecord) -> None:
    dialog.format.setCurrentText(record.format)
    dialog.fps.setValue(record.fps)
    dialog.loop.setChecked(record.loop)
    dialog.size.setValue(record.size)
    dialog.smooth.setChecked(record.smooth)
    dialog.transparent.setChecked(record.transparent)
    dialog.with_sound.setChecked(record.with_sound)
    dialog.quality.setValue(record.quality)
    for button, colour in ((dialog.ink, record.ink), (dialog.paper, record.paper)):
        if colour is not None:
            button.set_colour(colour)


def animation_choices(dialog: AnimationExportDialog) -> AnimationExportRecord:
    return AnimationExportRecord(format=dialog.format.currentText(), fps=dialog.fps.value(),
                                 loop=dialog.loop.isChecked(), size=dialog.size.value(),
                                 smooth=dialog.smooth.isChecked(),
                                 transparent=dialog.transparent.isChecked(),
                                 with_sound=dialog.with_sound.isChecked(),
                                 ink=dialog.ink.colour(), paper=dialog.paper.colour(),
                                 quality=dialog.quality.value())
