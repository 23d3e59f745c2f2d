"""The pen: stroke models drawing digits, finishing a started drawing, writing numbers."""
