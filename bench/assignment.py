"""Benchmark: the min-cost-flow matcher against greedy least-loaded assignment on one generated call."""

import argparse
import json
import random
import resource
import sys
import time
from pathlib import Path

import numpy as np

# Run as `python bench/assignment.py`, Python puts bench/ on the path but not the repository.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scoring.assignments.solver import Expert, Item, solve  # noqa: E402

DIRECTIONS = range(1, 17)


def generate(rows, experts, seed):
    rng = random.Random(seed)
    pool = []
    for expert_id in range(1, experts + 1):
        draw = rng.random()
        languages = {"kk", "ru"} if draw < 0.9 else {"kk"} if draw < 0.95 else {"ru"}
        pool.append(Expert(expert_id, frozenset(languages), frozenset(rng.sample(DIRECTIONS, rng.randint(1, 3)))))
    items = [Item(app_id, "kk" if rng.random() < 0.45 else "ru", rng.choice(DIRECTIONS))
             for app_id in range(1, rows + 1)]
    conflicts = {(rng.randint(1, experts), rng.randint(1, rows)) for _ in range(rows * experts // 50)}
    return items, pool, conflicts


def greedy(items, experts, per_item, conflicts):
    """For each application in turn, the least-loaded eligible experts; a direction match breaks ties."""
    load = np.zeros(len(experts), dtype=np.int64)
    reads = {lang: np.array([lang in ex.languages for ex in experts]) for lang in ("kk", "ru")}
    knows = {d: np.array([d in ex.directions for ex in experts]) for d in DIRECTIONS}
    at = {ex.id: j for j, ex in enumerate(experts)}
    refused = {}
    for expert_id, app_id in conflicts:
        refused.setdefault(app_id, []).append(at[expert_id])
    order = np.arange(len(experts))
    chosen, short = [], 0
    for item in items:
        ok = reads[item.language].copy()
        ok[refused.get(item.id, [])] = False
        candidates = np.nonzero(ok)[0]
        key = (load[candidates] * 2 + ~knows[item.direction][candidates]) * len(experts) + order[candidates]
        take = candidates[np.argsort(key, kind="stable")[:per_item]]
        load[take] += 1
        short += per_item - len(take)
        chosen += [(item, experts[j]) for j in take.tolist()]
    return chosen, load, short


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=5000, help="applications")
    parser.add_argument("--experts", type=int, default=200)
    parser.add_argument("--per-item", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    items, pool, conflicts = generate(args.rows, args.experts, args.seed)
    by_id = {it.id: it for it in items}
    experts_by_id = {ex.id: ex for ex in pool}

    started = time.perf_counter()
    result = solve(items, pool, args.per_item, conflicts, seed=args.seed)
    seconds = time.perf_counter() - started

    started = time.perf_counter()
    pairs, greedy_load, greedy_short = greedy(items, pool, args.per_item, conflicts)
    baseline_seconds = time.perf_counter() - started

    matched = sum(by_id[a.application_id].direction in experts_by_id[a.expert_id].directions
                  for a in result.assignments)
    greedy_matched = sum(item.direction in ex.directions for item, ex in pairs)
    loads = list(result.loads.values())
    print(json.dumps({
        "name": "assignment", "rows": args.rows, "experts": args.experts, "per_item": args.per_item,
        "seconds": round(seconds, 3), "baseline": "greedy least-loaded", "baseline_seconds": round(baseline_seconds, 3),
        "ratio": round(seconds / baseline_seconds, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "spread": max(loads) - min(loads), "baseline_spread": int(greedy_load.max() - greedy_load.min()),
        "direction_match": round(matched / max(len(result.assignments), 1), 3),
        "baseline_direction_match": round(greedy_matched / max(len(pairs), 1), 3),
        "shortfalls": sum(s.missing for s in result.shortfalls), "baseline_shortfalls": greedy_short,
    }))


if __name__ == "__main__":
    main()
