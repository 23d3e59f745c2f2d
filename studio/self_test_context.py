"""What the self-test's checks share: the failure they raise and their scratch context.

Its own module so the checks can live in several modules (the runner in
studio/self_test.py imports them all) without importing the runner back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class CheckFailed(Exception):
    """A check ran but what it produced is wrong."""


@dataclass
class Context:
    """What the checks share: a scratch folder and the models the first checks load."""

    folder: Path
    models: dict[str, Any] = field(default_factory=dict)

    def model(self, kind: str) -> Any:
        if kind not in self.models:
            raise CheckFailed(f"the {kind} model did not load (see the models check)")
        return self.models[kind]


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)
