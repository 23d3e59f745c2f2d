"""Walking a skeleton graph into pen strokes in the order a person would write them.

A skeleton says where ink is, not how the pen moved; the walk chooses a plausible
hand. Every edge is drawn exactly once (nothing retraced, so a stroke model never
learns to double back), the pen lifts as seldom as the graph allows (an edge set
with 2k odd-degree nodes needs k strokes; a 0 or an 8 needs one, which closes on
itself), and among the walks with that many lifts the one chosen:

- goes straight on through junctions rather than turning (the crossing of an 8, the
  join of a 4's bar), measured as the sum of turning angles;
- starts near the top left, as Latin-script writers do, and draws later strokes in
  the same reading order (a stroke may end at a junction it could go on from, when
  that costs no extra lift: a 4's first stroke stops where its bar meets the stem);
- goes round a closed loop counter-clockwise from its top, as a 0 is usually written.

Digit skeletons have a handful of edges, so the walk is an exhaustive search with
branch and bound (children tried best first, so the first walk found is the greedy
one), capped at `MAX_EXPANSIONS` steps for a pathological skeleton.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from studio.ml.strokes.skeleton_graph import SkeletonGraph, node_pieces

TURN_COST = 1.0  # per radian of turning at a junction
LIFT_COST = 6.0  # per pen lift: worth a lot of turning
START_COST = 12.0  # times the start's reading position (0 top left .. 1.5 bottom right)
LATER_START = 0.3  # later strokes' starts weigh this much less each, so order follows
CLOCKWISE_LOOP_COST = 0.5  # a closed loop begun clockwise
TANGENT_REACH = 2.5  # digit pixels along an edge that give its direction at a node
MAX_EXPANSIONS = 20_000


@dataclass(frozen=True)
class _Way:
    """An edge in one direction: from node `start` to node `end`."""

    edge: int
    start: int
    end: int
    path: np.ndarray  # float64 [k, 2] (x, y) grid points
    leaving: np.ndarray  # float64 [2] unit direction as the pen leaves `start`
    arriving: np.ndarray  # float64 [2] unit direction as it reaches `end`
    clockwise_loop: bool


def walk_strokes(graph: SkeletonGraph, scale: int) -> list[np.ndarray]:
    """The graph's edges as ordered strokes: float64 [n_i, 2] (x, y) grid points each."""
    if not graph.edges:
        return []
    ways = _ways(graph, scale)
    size = 28.0 * scale
    search = _Search(graph, ways, size)
    search.run()
    strokes: list[np.ndarray] = []
    for lift, way in search.best_walk:
        if lift or not strokes:
            strokes.append(way.path)
        else:
            strokes[-1] = np.concatenate([strokes[-1], way.path[1:]])
    return strokes


class _Search:
    def __init__(self, graph: SkeletonGraph, ways: list[list[_Way]], size: float) -> None:
        self.ways_from = ways  # [node] -> the ways leaving it
        self.edge_count = len(graph.edges)
        self.nodes = graph.nodes
        self.size = size
        self.piece = node_pieces(graph)
        self.best_cost = math.inf
        self.best_walk: list[tuple[bool, _Way]] = []
        self.expansions = 0

    def run(self) -> None:
        self._lift(0, 0.0, [], 0)

    def _remaining_degree(self, node: int, used: int) -> int:
        return sum(not used >> w.edge & 1 for w in self.ways_from[node])

    def _lift(self, used: int, cost: float, walk: list[tuple[bool, _Way]], strokes: int) -> None:
        """Start a new stroke: at an odd node of a piece that has one, else anywhere."""
        if used == (1 << self.edge_count) - 1:
            if cost < self.best_cost:
                self.best_cost, self.best_walk = cost, list(walk)
            return
        degree = {n: self._remaining_degree(n, used) for n in range(len(self.nodes))}
        odd_pieces = {self.piece[n] for n, d in degree.items() if d % 2}
        starts = [n for n, d in degree.items()
                  if d and (d % 2 or self.piece[n] not in odd_pieces)]
        base = cost + (LIFT_COST if strokes else 0.0)
        weight = START_COST * LATER_START ** strokes
        options = []
        for n in starts:
            x, y = self.nodes[n]
            place = weight * (y + 0.5 * x) / self.size
            for way in self.ways_from[n]:
                if not used >> way.edge & 1:
                    options.append((base + place + CLOCKWISE_LOOP_COST * way.clockwise_loop, way))
        for step_cost, way in sorted(options, key=lambda o: o[0]):
            self._take(way, used, step_cost, walk, strokes + 1, lift=True)

    def _take(self, way: _Way, used: int, cost: float, walk: list[tuple[bool, _Way]],
              strokes: int, lift: bool) -> None:
        self.expansions += 1
        if cost >= self.best_cost or self.expansions > MAX_EXPANSIONS and self.best_walk:
            return
        used |= 1 << way.edge
        walk.append((lift, way))
        options = [(cost + TURN_COST * _angle(way.arriving, nxt.leaving), nxt)
                   for nxt in self.ways_from[way.end] if not used >> nxt.edge & 1]
        for step_cost, nxt in sorted(options, key=lambda o: o[0]):
            self._take(nxt, used, step_cost, walk, strokes, lift=False)
        self._lift(used, cost, walk, strokes)  # stopping early can pay: a 4's first stroke
        walk.pop()


def _ways(graph: SkeletonGraph, scale: int) -> list[list[_Way]]:
    """For each node, every edge leaving it, in each direction (a loop both ways)."""
    out: list[list[_Way]] = [[] for _ in range(len(graph.nodes))]
    reach = TANGENT_REACH * scale
    for i, edge in enumerate(graph.edges):
        for path in (edge.path, edge.path[::-1]):
            start, end = (edge.a, edge.b) if path is edge.path else (edge.b, edge.a)
            loop = edge.a == edge.b
            out[start].append(_Way(i, start, end, path, _direction(path, reach),
                                   -_direction(path[::-1], reach),
                                   loop and _signed_area(path) > 0))
    return out


def _direction(path: np.ndarray, reach: float) -> np.ndarray:
    """Unit vector from path[0] toward the point `reach` along the path (or its end)."""
    steps = np.linalg.norm(np.diff(path, axis=0), axis=1)  # [k-1]
    along = np.cumsum(steps)
    j = int(np.searchsorted(along, reach)) + 1
    v = path[min(j, len(path) - 1)] - path[0]
    norm = float(np.hypot(*v))
    return v / norm if norm > 0 else np.zeros(2)


def _angle(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.arccos(np.clip(np.dot(a, b), -1.0, 1.0)))


def _signed_area(path: np.ndarray) -> float:
    """Shoelace area; positive for a clockwise loop on screen (y down)."""
    x, y = path[:, 0], path[:, 1]
    return 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))

