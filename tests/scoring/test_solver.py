"""The assignment matcher: hard rules, shortfall reasons, balance, kept work and seeded reproducibility."""

import json
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.assignments.solver import Expert, Item, Shortfall, solve

BOTH = frozenset({"kk", "ru"})

# The autouse app fixture is built once per test, not per example: harmless here, the solver
# touches no app. No deadline: the first example pays for loading OR-Tools. No example
# database, so runs leave no .hypothesis/ folder in the work tree.
PROPERTY = settings(max_examples=60, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def expert(id, languages=BOTH, directions=(), **kw):
    return Expert(id, frozenset(languages), frozenset(directions), **kw)


def pairs(result, new_only=False):
    return {(a.expert_id, a.application_id) for a in result.assignments if not (new_only and a.kept)}


def experts_of(result, app_id):
    return {a.expert_id for a in result.assignments if a.application_id == app_id}


def test_conflicted_expert_is_never_assigned():
    result = solve([Item(10, "ru", 1)], [expert(i) for i in (1, 2, 3, 4)], 3, conflicts={(2, 10)})
    assert experts_of(result, 10) == {1, 3, 4}


def test_expert_who_does_not_read_the_language_is_never_assigned():
    pool = [expert(1, {"ru"}), expert(2), expert(3, {"kk"}), expert(4)]
    result = solve([Item(10, "kk", 1)], pool, 3)
    assert experts_of(result, 10) == {2, 3, 4}


def test_inactive_expert_gets_nothing():
    pool = [expert(1, active=False), expert(2), expert(3)]
    result = solve([Item(10, "kk", 1), Item(11, "ru", 1)], pool, 2)
    assert {e for e, _ in pairs(result)} == {2, 3}
    assert result.loads[1] == 0


@pytest.mark.parametrize("seed", range(5))
def test_direction_match_is_preferred_when_balance_allows(seed):
    pool = [expert(1, directions={1}), expert(2, directions={2})]
    result = solve([Item(10, "kk", 1), Item(11, "kk", 2)], pool, 1, seed=seed)
    assert pairs(result) == {(1, 10), (2, 11)}
    assert all(a.reason["direction_match"] for a in result.assignments)


def test_balance_outweighs_direction():
    pool = [expert(1, directions={1, 2}), expert(2, directions={9})]
    result = solve([Item(10, "kk", 1), Item(11, "kk", 2)], pool, 1)
    assert result.loads == {1: 1, 2: 1}
    assert sorted(a.reason["direction_match"] for a in result.assignments) == [False, True]


def test_work_beyond_the_even_share_stays_even_among_the_few_who_can_take_it():
    # Three Kazakh readers must take 200 applications, far past the call's even share of about 8:
    # the matcher must still split those 200 evenly between them.
    pool = [expert(i, {"kk"}) for i in (1, 2, 3)] + [expert(i, {"ru"}) for i in range(4, 54)]
    items = [Item(i, "kk", 1) for i in range(200)] + [Item(i, "ru", 1) for i in range(200, 400)]
    result = solve(items, pool, 1)
    assert sorted(result.loads[i] for i in (1, 2, 3)) == [66, 67, 67]
    assert {result.loads[i] for i in range(4, 54)} == {4}


def test_kept_assignment_stays_and_only_the_remaining_slots_are_filled():
    pool = [expert(i) for i in (1, 2, 3, 4, 5)]
    result = solve([Item(10, "kk", 1)], pool, 3, kept={(4, 10)})
    chosen = [a for a in result.assignments if a.application_id == 10]
    assert len(chosen) == 3 and len({a.expert_id for a in chosen}) == 3
    assert [a.expert_id for a in chosen if a.kept] == [4]


def test_kept_work_counts_towards_the_load():
    pool = [expert(1), expert(2), expert(3)]
    items = [Item(i, "ru", 1) for i in (10, 11, 12, 13)]
    result = solve(items, pool, 1, kept={(1, 10), (1, 11)})
    assert result.loads == {1: 2, 2: 1, 3: 1}
    assert {e for e, a in pairs(result, new_only=True)} == {2, 3}


def test_kept_pair_of_an_expert_outside_the_pool_is_kept_and_counted():
    # The service passes only active experts; one deactivated after assignment keeps their work.
    result = solve([Item(10, "kk", 1)], [expert(1), expert(2)], 3, kept={(9, 10)})
    assert experts_of(result, 10) == {1, 2, 9}
    assert result.loads[9] == 1 and result.shortfalls == []
    kept = next(a for a in result.assignments if a.kept)
    assert kept.reason == {"language": "kk", "direction_match": None, "load": 1}


def test_reason_says_language_direction_and_final_load():
    pool = [expert(1, directions={3}), expert(2)]
    result = solve([Item(10, "kk", 3), Item(11, "ru", 4)], pool, 2)
    by_pair = {(a.expert_id, a.application_id): a.reason for a in result.assignments}
    assert by_pair[(1, 10)] == {"language": "kk", "direction_match": True, "load": 2}
    assert by_pair[(2, 11)] == {"language": "ru", "direction_match": False, "load": 2}
    json.dumps(list(by_pair.values()))  # stored as JSON on the assignment row


def test_too_few_readers_is_a_language_shortfall():
    pool = [expert(1, {"kk"}), expert(2), expert(3, {"ru"})]
    result = solve([Item(17, "kk", 1)], pool, 3)
    assert [s.as_dict() for s in result.shortfalls] == [
        {"application": 17, "missing": 1, "reason": "language", "eligible_experts": 2}]


def test_enough_readers_but_conflicts_is_a_conflicts_shortfall():
    result = solve([Item(17, "kk", 1)], [expert(1), expert(2), expert(3)], 3, conflicts={(2, 17)})
    assert result.shortfalls == [Shortfall(17, 1, "conflicts", 2)]


def test_eligible_but_no_room_is_a_capacity_shortfall():
    pool = [expert(1), expert(2), expert(3, max_load=1)]
    result = solve([Item(17, "kk", 1), Item(18, "kk", 1)], pool, 3)
    assert len(result.shortfalls) == 1
    (short,) = result.shortfalls
    assert (short.missing, short.reason, short.eligible_experts) == (1, "capacity", 3)
    assert result.loads == {1: 2, 2: 2, 3: 1}


def test_same_seed_gives_the_same_result():
    pool = [expert(i, directions={i % 4}) for i in range(1, 13)]
    items = [Item(i, "kk" if i % 3 else "ru", i % 5) for i in range(40)]
    assert solve(items, pool, 3, seed=7) == solve(list(reversed(items)), list(reversed(pool)), 3, seed=7)


def test_different_seeds_break_ties_differently():
    pool = [expert(i) for i in range(1, 7)]
    items = [Item(i, "kk", 1) for i in range(10, 16)]
    outcomes = {frozenset(pairs(solve(items, pool, 1, seed=seed))) for seed in range(10)}
    assert len(outcomes) > 1


def test_duplicate_ids_and_a_zero_quota_are_refused():
    with pytest.raises(ValueError):
        solve([Item(1, "kk", 1), Item(1, "ru", 2)], [expert(1)], 1)
    with pytest.raises(ValueError):
        solve([Item(1, "kk", 1)], [expert(1), expert(1)], 1)
    with pytest.raises(ValueError):
        solve([Item(1, "kk", 1)], [expert(1)], 0)


# Properties over random pools. Ids of applications start at 100 so they never equal an expert id.

@st.composite
def calls(draw, uniform=False):
    """A random call; `uniform` makes every expert interchangeable (both languages, active, no cap or conflict)."""
    n_experts, n_items = draw(st.integers(0, 7)), draw(st.integers(0, 8))
    pool = []
    for j in range(1, n_experts + 1):
        languages = BOTH if uniform else draw(st.sampled_from([BOTH, {"kk"}, {"ru"}]))
        pool.append(expert(j, languages, draw(st.frozensets(st.integers(1, 4), max_size=2)),
                           active=uniform or draw(st.integers(0, 5)) > 0,
                           max_load=None if uniform else draw(st.none() | st.integers(0, 4))))
    items = [Item(100 + i, draw(st.sampled_from(["kk", "ru"])), draw(st.integers(1, 4))) for i in range(n_items)]
    every_pair = [(e.id, it.id) for e in pool for it in items]
    some_pairs = st.sets(st.sampled_from(every_pair), max_size=6) if every_pair else st.just(set())
    return {"items": items, "experts": pool, "per_item": draw(st.integers(1, 3)),
            "conflicts": set() if uniform else draw(some_pairs), "kept": set() if uniform else draw(some_pairs),
            "seed": draw(st.integers(0, 2**31))}


def needs(call):
    held = Counter(a for _, a in call["kept"])
    return {it.id: max(call["per_item"] - held[it.id], 0) for it in call["items"]}


def may_take(call):
    """Application id -> experts who could take a new slot on it, judged from the inputs alone."""
    return {it.id: {e.id for e in call["experts"]
                    if e.active and it.language in e.languages
                    and (e.id, it.id) not in call["conflicts"] and (e.id, it.id) not in call["kept"]}
            for it in call["items"]}


def most_slots(need, room, allowed):
    """The most new slots any assignment can fill: augmenting paths, written apart from the solver."""
    holds = {i: set() for i in need}
    holders = {j: set() for j in room}

    def move(i, j, taken):
        (holds[i].add if taken else holds[i].discard)(j)
        (holders[j].add if taken else holders[j].discard)(i)

    def augment(i, seen):
        for j in sorted(allowed[i] - holds[i] - seen):
            seen.add(j)
            if len(holders[j]) < room[j]:
                move(i, j, True)
                return True
            for k in sorted(holders[j]):
                if augment(k, seen):  # k found another expert, so j has room for i
                    move(k, j, False)
                    move(i, j, True)
                    return True
        return False

    grew = True
    while grew:
        grew = False
        for i in need:
            while len(holds[i]) < need[i] and augment(i, set()):
                grew = True
    return sum(len(h) for h in holds.values())


@PROPERTY
@given(calls())
def test_hard_rules_hold_on_any_pool(call):
    result = solve(**call)
    by_id, items = {e.id: e for e in call["experts"]}, {it.id: it for it in call["items"]}
    assert len(pairs(result)) == len(result.assignments)  # never twice the same pair
    assert {(a.expert_id, a.application_id) for a in result.assignments if a.kept} == call["kept"]
    for e_id, a_id in pairs(result, new_only=True):
        assert e_id in may_take(call)[a_id]
    new = Counter(a for _, a in pairs(result, new_only=True))
    assert all(new[a_id] <= need for a_id, need in needs(call).items())
    held = Counter(e for e, _ in call["kept"])
    assert result.loads == {e: held[e] + Counter(e for e, _ in pairs(result, new_only=True))[e]
                            for e in by_id.keys() | held.keys()}
    for e in call["experts"]:
        if e.max_load is not None:
            assert result.loads[e.id] <= max(e.max_load, held[e.id])
    assert set(items) >= {a for _, a in pairs(result, new_only=True)}


@PROPERTY
@given(calls())
def test_coverage_is_the_most_the_pool_allows(call):
    result = solve(**call)
    held = Counter(e for e, _ in call["kept"])
    room = {e.id: 10**6 if e.max_load is None else max(e.max_load - held[e.id], 0) for e in call["experts"]}
    assert len(pairs(result, new_only=True)) == most_slots(needs(call), room, may_take(call))


@PROPERTY
@given(calls())
def test_without_load_caps_only_missing_eligible_experts_leave_a_shortfall(call):
    call["experts"] = [Expert(e.id, e.languages, e.directions, e.active) for e in call["experts"]]
    result = solve(**call)
    held = Counter(a for _, a in call["kept"])
    expected = []
    for it in call["items"]:
        need, eligible = needs(call)[it.id], may_take(call)[it.id]
        if len(eligible) < need:
            readers = {e.id for e in call["experts"]
                       if e.active and it.language in e.languages and (e.id, it.id) not in call["kept"]}
            reason = "language" if len(readers) < need else "conflicts"
            expected.append(Shortfall(it.id, need - len(eligible), reason, held[it.id] + len(eligible)))
        else:
            assert len(experts_of(result, it.id)) == held[it.id] + need
    assert sorted(result.shortfalls, key=lambda s: s.application_id) == expected


@PROPERTY
@given(calls(uniform=True))
def test_interchangeable_experts_share_work_within_one(call):
    result = solve(**call)
    assert not result.loads or max(result.loads.values()) - min(result.loads.values()) <= 1


@PROPERTY
@given(calls(), st.randoms(use_true_random=False))
def test_input_order_does_not_change_the_result(call, rnd):
    shuffled = dict(call, items=rnd.sample(call["items"], len(call["items"])),
                    experts=rnd.sample(call["experts"], len(call["experts"])))
    assert solve(**shuffled) == solve(**call)
