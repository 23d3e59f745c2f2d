"""Digit data: data sets and where they come from, image files, preprocessing, augmentation."""
