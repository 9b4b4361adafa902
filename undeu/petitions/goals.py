"""The goal ladder: the next round number a petition climbs towards."""

_LADDER = (
    50,
    100,
    250,
    500,
    1_000,
    2_500,
    5_000,
    10_000,
    25_000,
    50_000,
    100_000,
    250_000,
    500_000,
    1_000_000,
)


def next_goal(count: int) -> int:
    for goal in _LADDER:
        if count < goal:
            return goal
    goal = _LADDER[-1]
    while goal <= count:
        goal *= 2
    return goal


def progress_percent(count: int) -> int:
    return min(100, int(count * 100 / next_goal(count)))
