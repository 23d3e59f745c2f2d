"""Reading a drawing: the recognizer's answer, where it looks, and whether it is a digit at all."""
