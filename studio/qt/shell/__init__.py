"""The main window and what holds it together: start-up, menus, messages."""
