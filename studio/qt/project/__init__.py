"""Projects in the window: New, Open, Save, the modified mark, autosave and recovery."""
