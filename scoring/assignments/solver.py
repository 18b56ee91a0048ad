"""The assignment matcher: experts to applications by min-cost max-flow, with reasons for what it cannot cover."""

import hashlib
import math
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

# Pair costs. The miss cost is the direction preference; the seeded jitter only breaks ties,
# so it stays below the miss cost and can never outweigh a direction match.
DIRECTION_MISS = 100
JITTER = 16
SOURCE, SINK = 0, 1


@dataclass(frozen=True)
class Expert:
    id: int
    languages: frozenset[str]
    directions: frozenset[int]
    active: bool = True
    max_load: int | None = None  # on the whole call, kept assignments included

    def __post_init__(self):
        # Callers pass lists or sets from the ORM; hashable frozensets keep the dataclass frozen for real.
        object.__setattr__(self, "languages", frozenset(self.languages))
        object.__setattr__(self, "directions", frozenset(self.directions))


@dataclass(frozen=True)
class Item:
    """An application to score: its id, its language (kk or ru) and its direction code."""

    id: int
    language: str
    direction: int


@dataclass(frozen=True)
class Assignment:
    expert_id: int
    application_id: int
    kept: bool
    reason: dict  # {"language", "direction_match", "load"}: load is the expert's final load on the call


@dataclass(frozen=True)
class Shortfall:
    application_id: int
    missing: int
    reason: str  # "language", "conflicts" or "capacity"
    eligible_experts: int  # kept experts plus those who read the language and have no conflict

    def as_dict(self):
        return {"application": self.application_id, "missing": self.missing, "reason": self.reason,
                "eligible_experts": self.eligible_experts}


@dataclass(frozen=True)
class Result:
    assignments: list[Assignment]
    shortfalls: list[Shortfall]
    loads: dict[int, int]


def solve(items, experts, per_item, conflicts=frozenset(), kept=frozenset(), seed=0):
    """Give each item `per_item` distinct eligible experts, keeping `kept` (expert_id, application_id) pairs.

    Coverage comes first (a maximum flow), then even loads, then direction matches, then the
    seeded tie-break. Same inputs and seed give the same Result whatever the input order.
    Kept pairs naming an expert or application outside the inputs stay kept and count in loads.
    """
    if per_item < 1:
        raise ValueError("per_item must be at least 1")
    items = sorted(items, key=lambda it: it.id)
    experts = sorted(experts, key=lambda ex: ex.id)
    item_at = _index(items, "application")
    expert_at = _index(experts, "expert")
    n, m = len(items), len(experts)

    kept_mask = _pair_mask(kept, item_at, expert_at, n, m)
    conflict_mask = _pair_mask(conflicts, item_at, expert_at, n, m)
    held = {}  # application id -> kept experts, known or not
    for expert_id, app_id in kept:
        held.setdefault(app_id, set()).add(expert_id)
    need = np.array([max(per_item - len(held.get(it.id, ())), 0) for it in items], dtype=np.int64)

    languages = sorted({it.language for it in items})
    reads = np.array([[ex.active and lang in ex.languages for ex in experts] for lang in languages], dtype=bool)
    readers = reads[[languages.index(it.language) for it in items]] if n else np.zeros((0, m), bool)
    readers &= ~kept_mask  # a kept expert already holds a slot and may not take a second one
    eligible = readers & ~conflict_mask
    open_pairs = eligible & (need > 0)[:, None]

    base_load = np.zeros(m, dtype=np.int64)
    for expert_id, _app_id in kept:
        if expert_id in expert_at:
            base_load[expert_at[expert_id]] += 1
    room = open_pairs.sum(axis=0).astype(np.int64)
    for j, ex in enumerate(experts):
        if ex.max_load is not None:
            room[j] = min(room[j], max(ex.max_load - base_load[j], 0))

    rows, cols = np.nonzero(open_pairs)
    match = _direction_match(items, experts)
    costs = np.where(match[rows, cols], 0, DIRECTION_MISS) + _jitter(seed, items, experts, rows, cols)
    chosen = _flow(rows, cols, costs, need, room, base_load, n, m)

    final_load = base_load + np.bincount(cols[chosen], minlength=m)
    loads = {ex.id: int(final_load[j]) for j, ex in enumerate(experts)}
    for expert_id, _app_id in kept:
        if expert_id not in expert_at:
            loads[expert_id] = loads.get(expert_id, 0) + 1

    def reason(i, j, expert_id):
        return {"language": items[i].language if i is not None else None,
                "direction_match": bool(match[i, j]) if i is not None and j is not None else None,
                "load": loads[expert_id]}

    assignments = [Assignment(expert_id, app_id, True, reason(item_at.get(app_id), expert_at.get(expert_id), expert_id))
                   for expert_id, app_id in kept]
    assignments += [Assignment(experts[j].id, items[i].id, False, reason(i, j, experts[j].id))
                    for i, j in zip(rows[chosen].tolist(), cols[chosen].tolist(), strict=True)]
    assignments.sort(key=lambda a: (a.application_id, a.expert_id))

    added = np.bincount(rows[chosen], minlength=n)
    shortfalls = []
    for i in np.nonzero(added < need)[0].tolist():
        held_here = len(held.get(items[i].id, ()))
        can_read, can_take = held_here + int(readers[i].sum()), held_here + int(eligible[i].sum())
        why = "language" if can_read < per_item else "conflicts" if can_take < per_item else "capacity"
        shortfalls.append(Shortfall(items[i].id, int(need[i] - added[i]), why, can_take))
    return Result(assignments, shortfalls, loads)


def _index(rows, what):
    at = {}
    for k, row in enumerate(rows):
        if row.id in at:
            raise ValueError(f"{what} {row.id} is given twice")
        at[row.id] = k
    return at


def _pair_mask(pairs, item_at, expert_at, n, m):
    """(expert_id, application_id) pairs as an items × experts mask; pairs outside the inputs are ignored."""
    mask = np.zeros((n, m), dtype=bool)
    for expert_id, app_id in pairs:
        if app_id in item_at and expert_id in expert_at:
            mask[item_at[app_id], expert_at[expert_id]] = True
    return mask


def _direction_match(items, experts):
    codes = sorted({it.direction for it in items})
    knows = np.array([[code in ex.directions for ex in experts] for code in codes], dtype=bool)
    knows = knows.reshape(len(codes), len(experts))
    return knows[[codes.index(it.direction) for it in items]] if items else np.zeros((0, len(experts)), bool)


def _key(seed, kind, ident):
    digest = hashlib.blake2b(f"{seed}:{kind}:{ident}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def _jitter(seed, items, experts, rows, cols):
    """A tie-break in [0, JITTER) that depends only on (seed, application, expert), not on the other inputs.

    Keyed per pair rather than drawn in sequence, so one new conflict does not reshuffle every
    other tie. Python's blake2b and a splitmix64 finaliser give the same numbers on any platform.
    """
    item_keys = np.array([_key(seed, "item", it.id) for it in items], dtype=np.uint64)
    expert_keys = np.array([_key(seed, "expert", ex.id) for ex in experts], dtype=np.uint64)
    z = item_keys[rows] ^ expert_keys[cols]
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return (z % np.uint64(JITTER)).astype(np.int64)


def _flow(rows, cols, costs, need, room, base_load, n, m):
    """Which (rows[k], cols[k]) pairs carry flow in a max-flow of least cost.

    Each expert's path to the sink is a stack of unit arcs whose k-th costs `weight * k`, k the
    expert's load on the call: a convex cost, so the flow spreads work. `weight` exceeds any
    sum of pair costs along an alternating path, so balance always beats direction and jitter.
    Only the units near the even load get arcs; the rest share one tail arc priced at the
    next unit, which undercuts the true cost. An optimum using at most one tail unit per
    expert is therefore optimal for the full convex cost; otherwise those stacks grow and it
    solves again.
    """
    weight = (DIRECTION_MISS + JITTER) * (m + 1)
    active = max(int((room > 0).sum()), 1)
    even = math.ceil((int(base_load[room > 0].sum()) + int(need.sum())) / active)
    units = np.minimum(room, np.maximum(even - base_load + 2, 2))
    while True:
        solver = min_cost_flow.SimpleMinCostFlow()
        expert_node = 2 + n + np.arange(m)
        solver.add_arcs_with_capacity_and_unit_cost(
            np.full(n, SOURCE, np.int32), (2 + np.arange(n)).astype(np.int32), need, np.zeros(n, np.int64))
        pair_arcs = solver.add_arcs_with_capacity_and_unit_cost(
            (2 + rows).astype(np.int32), expert_node[cols].astype(np.int32),
            np.ones(len(rows), np.int64), costs.astype(np.int64))
        owner = np.repeat(np.arange(m), units)
        step = np.arange(len(owner)) - np.repeat(np.cumsum(units) - units, units)
        solver.add_arcs_with_capacity_and_unit_cost(
            expert_node[owner].astype(np.int32), np.full(len(owner), SINK, np.int32),
            np.ones(len(owner), np.int64), weight * (base_load[owner] + step + 1))
        tailed = np.nonzero(room > units)[0]
        tail_arcs = solver.add_arcs_with_capacity_and_unit_cost(
            expert_node[tailed].astype(np.int32), np.full(len(tailed), SINK, np.int32),
            (room - units)[tailed], weight * (base_load[tailed] + units[tailed] + 1))
        solver.set_node_supply(SOURCE, int(need.sum()))
        solver.set_node_supply(SINK, -int(need.sum()))
        status = solver.solve_max_flow_with_min_cost()
        if status != solver.OPTIMAL:
            raise RuntimeError(f"min-cost flow failed: {status}")
        tail_flow = np.asarray(solver.flows(tail_arcs), dtype=np.int64)
        over = tailed[tail_flow > 1]
        if not len(over):
            return np.asarray(solver.flows(pair_arcs), dtype=np.int64) > 0
        units[over] = np.minimum(room[over], 2 * units[over] + 2)
