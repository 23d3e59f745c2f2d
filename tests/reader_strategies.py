"""What the readers' property tests feed them: any JSON value, and how hard to try.

On the test path (pyproject's pytest `pythonpath`), so each reader's tests share it.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5)
    | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=20)


def trying(examples: int) -> settings:
    """Hypothesis settings for a reader test: no deadline (CI machines are slow and
    shared), and tmp_path reused across examples (each example rewrites its file)."""
    return settings(max_examples=examples, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
