"""Render resources/desktop/latent-studio.svg into the PNG sizes desktops ask for.

Why Qt: QtSvg ships with PySide6, which the studio already needs, so making the icons
takes no extra tool (rsvg, Inkscape). Run it after editing the SVG and commit the PNGs:
`QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/make_icons.py`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
FOLDER = Path(__file__).resolve().parents[1] / "resources" / "desktop"


def render(svg: Path, size: int) -> QImage:
    """The SVG drawn into a transparent size x size image, antialiased."""
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(str(svg)).render(painter)
    painter.end()
    return image


def main() -> None:
    app = QGuiApplication([])  # noqa: F841 - QPainter needs an application
    svg = FOLDER / "latent-studio.svg"
    for size in SIZES:
        out = FOLDER / f"latent-studio-{size}.png"
        if not render(svg, size).save(str(out)):
            raise SystemExit(f"could not write {out}")
        print(out)


if __name__ == "__main__":
    main()
