"""The studio window: widgets, panels and the bridge to workers on the thread pool."""
