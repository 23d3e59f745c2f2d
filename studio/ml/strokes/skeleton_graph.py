"""A skeleton as a graph: ends and junctions joined by pixel chains, spurs pruned.

The pen's path is a walk over the skeleton's lines, and where lines meet the walk
chooses which way to go on, so the skeleton is turned into a graph first: nodes are
line ends and junctions (a cluster of touching junction pixels is one node), edges
are the chains of pixels between them, and a closed line with no node on it (an O)
gets a node at its top with an edge that returns to it.

Thinning leaves short spurs where a thick stroke had a bump or a blunt end; a pen
never drew them, so end chains shorter than `SPUR_LENGTH` that hang off a junction
are cut and the graph is built again. Specks far smaller than a stroke go too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SPUR_LENGTH = 2.5  # end chains shorter than this (digit pixels) off a junction are not pen
MIN_PIECE = 1.5  # a separate piece shorter than this (digit pixels) is a speck
MERGE_LENGTH = 3.0  # junctions joined by a chain shorter than this (digit pixels) are one
_STEPS = [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)]

Pixel = tuple[int, int]  # (row, column)


@dataclass(frozen=True)
class Edge:
    a: int  # node index at the start of `path`
    b: int  # node index at its end (== a for a loop)
    path: np.ndarray  # float64 [k, 2] (x, y) grid points, k >= 2, from node a to node b


@dataclass(frozen=True)
class SkeletonGraph:
    nodes: np.ndarray  # float64 [m, 2] (x, y) of each node, in skeleton-grid pixels
    edges: list[Edge]

    def degree(self, node: int) -> int:
        return sum((e.a == node) + (e.b == node) for e in self.edges)


def skeleton_graph(skeleton: np.ndarray, scale: int) -> SkeletonGraph:
    """bool [H, W] one-pixel skeleton (`scale` grid pixels per digit pixel) -> pruned graph."""
    pixels = skeleton.copy()
    for _ in range(3):  # cutting a spur can expose another (a frayed end)
        graph, chains = _build(pixels)
        spurs = [chain for edge, chain in zip(graph.edges, chains, strict=True)
                 if _is_spur(graph, edge, scale)]
        if not spurs:
            break
        for chain in spurs:
            for r, c in chain:
                pixels[r, c] = False
    return _drop_specks(_merge_junctions(graph, scale), scale)


def _merge_junctions(graph: SkeletonGraph, scale: int) -> SkeletonGraph:
    """Contract short chains between two junctions into one node at their middle.

    Thinning splits a crossing (the waist of an 8, a 4's bar through its stem) into two
    junctions a pixel or two apart; as two nodes, the walk could not go straight across.
    """
    nodes, edges = graph.nodes.copy(), list(graph.edges)
    while True:
        degree = np.zeros(len(nodes), int)
        for e in edges:
            degree[e.a] += 1
            degree[e.b] += 1
        short = [e for e in edges if e.a != e.b and degree[e.a] >= 3 and degree[e.b] >= 3
                 and _length(e.path) < MERGE_LENGTH * scale]
        if not short:
            return SkeletonGraph(nodes, edges)
        gone = min(short, key=lambda e: _length(e.path))
        keep, drop = gone.a, gone.b
        nodes[keep] = gone.path[len(gone.path) // 2]
        merged = []
        for e in edges:
            if e is gone:
                continue
            a, b = (keep if e.a == drop else e.a), (keep if e.b == drop else e.b)
            path = e.path.copy()
            if a == keep:
                path[0] = nodes[keep]
            if b == keep:
                path[-1] = nodes[keep]
            merged.append(Edge(a, b, path))
        edges = merged


def _is_spur(graph: SkeletonGraph, edge: Edge, scale: int) -> bool:
    if edge.a == edge.b:
        return False
    da, db = graph.degree(edge.a), graph.degree(edge.b)
    return min(da, db) == 1 and max(da, db) >= 3 and _length(edge.path) < SPUR_LENGTH * scale


def _drop_specks(graph: SkeletonGraph, scale: int) -> SkeletonGraph:
    """Leave out pieces much shorter than a stroke, unless nothing else is there."""
    pieces = _pieces(graph)
    lengths = [sum(_length(graph.edges[i].path) for i in piece) for piece in pieces]
    keep_edges = [i for piece, length in zip(pieces, lengths, strict=True)
                  if length >= MIN_PIECE * scale for i in piece]
    if not keep_edges:
        return graph
    return SkeletonGraph(graph.nodes, [graph.edges[i] for i in sorted(keep_edges)])


def node_pieces(graph: SkeletonGraph) -> list[int]:
    """For each node, a representative node of its connected piece (union-find)."""
    parent = list(range(len(graph.nodes)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for e in graph.edges:
        parent[root(e.a)] = root(e.b)
    return [root(i) for i in range(len(graph.nodes))]


def _pieces(graph: SkeletonGraph) -> list[list[int]]:
    """Edge indices of each connected piece of the graph."""
    piece = node_pieces(graph)
    pieces: dict[int, list[int]] = {}
    for i, e in enumerate(graph.edges):
        pieces.setdefault(piece[e.a], []).append(i)
    return list(pieces.values())


def _length(path: np.ndarray) -> float:
    return float(np.linalg.norm(np.diff(path, axis=0), axis=1).sum())


def _build(skeleton: np.ndarray) -> tuple[SkeletonGraph, list[list[Pixel]]]:
    """The graph of a skeleton, and the pixels of each edge's chain (ends excluded)."""
    on = {(int(r), int(c)) for r, c in zip(*np.nonzero(skeleton), strict=True)}
    links = {p: _links(p, on) for p in on}
    node_of: dict[Pixel, int] = {}
    positions: list[np.ndarray] = []
    for p in sorted(on):  # junction pixels that touch form one node; ends are nodes
        if len(links[p]) == 2 or p in node_of:
            continue
        cluster, stack = [p], [p]
        node_of[p] = len(positions)
        while stack and len(links[p]) > 2:
            for q in links[stack.pop()]:
                if len(links[q]) > 2 and q not in node_of:
                    node_of[q] = len(positions)
                    cluster.append(q)
                    stack.append(q)
        positions.append(np.mean([_xy(q) for q in cluster], axis=0))
    edges: list[Edge] = []
    chains: list[list[Pixel]] = []
    walked: set[Pixel] = set()
    seen_direct: set[tuple[Pixel, Pixel]] = set()
    for p in sorted(node_of):
        for q in sorted(links[p]):
            if q in node_of:  # two nodes side by side: an edge with no chain
                if node_of[q] != node_of[p] and (q, p) not in seen_direct:
                    seen_direct.add((p, q))
                    edges.append(Edge(node_of[p], node_of[q],
                                      np.array([positions[node_of[p]], positions[node_of[q]]])))
                    chains.append([x for x in (p, q) if len(links[x]) == 1])
                continue
            if q in walked:
                continue
            chain, end = _follow(p, q, links, node_of)
            walked.update(chain)
            path = [positions[node_of[p]], *map(_xy, chain), positions[node_of[end]]]
            edges.append(Edge(node_of[p], node_of[end], np.array(path)))
            chains.append(chain + [x for x in (p, end) if len(links[x]) == 1])
    for p in sorted(on - walked - set(node_of)):  # closed lines with no node: an O
        if p in walked:
            continue
        start = len(positions)
        node_of[p] = start
        positions.append(np.array(_xy(p)))
        chain, _ = _follow(p, sorted(links[p])[0], links, node_of)
        walked.update(chain)
        walked.add(p)
        edges.append(Edge(start, start, np.array([_xy(p), *map(_xy, chain), _xy(p)])))
        chains.append([])  # never a spur
    nodes = np.array(positions, dtype=np.float64).reshape(-1, 2)
    # a speck pixel with no links is a node with no edge; it is dropped with the specks
    return SkeletonGraph(nodes, edges), chains


def _follow(start: Pixel, first: Pixel, links: dict[Pixel, list[Pixel]],
            node_of: dict[Pixel, int]) -> tuple[list[Pixel], Pixel]:
    """Walk from node pixel `start` through `first` until a node pixel: (chain, that pixel)."""
    chain, previous, here = [], start, first
    while here not in node_of:
        chain.append(here)
        ahead = [q for q in links[here] if q != previous]
        if not ahead:  # cannot happen on a degree-2 pixel; guards a malformed skeleton
            return chain, previous
        previous, here = here, ahead[0]
    return chain, here


def _links(p: Pixel, on: set[Pixel]) -> list[Pixel]:
    """8-neighbours of `p`, without a diagonal step where a side step reaches it too.

    Zhang-Suen leaves L-shaped corners; linking every diagonal there would make
    small triangles, read as junctions where the line only turns.
    """
    r, c = p
    out = []
    for dr, dc in _STEPS:
        q = (r + dr, c + dc)
        if q not in on:
            continue
        if dr and dc and ((r + dr, c) in on or (r, c + dc) in on):
            continue
        out.append(q)
    return out


def _xy(p: Pixel) -> tuple[float, float]:
    """Pixel (row, column) -> its centre (x, y) in grid pixels (edges at integers)."""
    return p[1] + 0.5, p[0] + 0.5
