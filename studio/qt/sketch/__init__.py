"""The canvas and live recognition: drawing, opening images, what the recognizer reads."""
