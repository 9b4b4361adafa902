"""The table `make bench` prints: every figure beside its target and the ceiling."""

import os
from dataclasses import dataclass

from bench.load import SMALL_SIGNATURES, median

NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# Summed over the runs (any one is a failure); the worst run for how long a count lags and for
# how busy other processes kept the machine; the median of the runs for everything else.
SUMMED = {"errors", "lost", "emails_missing", "sample_unconfirmed", "drain_ended"}
WORST = {"stale_s", "converged_s", "others_cpu"}


@dataclass(frozen=True)
class Row:
    label: str
    part: str  # ceiling, pages, confirm, sign, flash, memory, scale or drain
    keys: tuple[str, ...]  # one figure, or several shown as "a / b" (ratios are of the last)
    unit: str  # rate, ms, ms.1 (one decimal), cpu (ms), count, s, MB, GB, ratio or duration
    target: dict | None = None  # per database
    target_text: str = ""
    ceiling_key: str = ""  # the ceiling's figure to divide by


SIGNATURES = {"sqlite": 1500, "postgresql": 1200}
P99 = {"sqlite": 100, "postgresql": 100}
PAGES = {"sqlite": 8000, "postgresql": 8000}
STALE = {"sqlite": 2, "postgresql": 2}
LATENCY = ("p50_ms", "p99_ms")
CPU = ("cpu_web_ms", "cpu_worker_ms", "cpu_database_ms", "cpu_ms")
# What the targets leave per request: the machine's CPU time over the target rate (wrk too).
CORES = os.cpu_count()
BUDGET = {d: CORES * 1000 / rate for d, rate in SIGNATURES.items()}
BUDGET_TEXT = " and ".join(f"≤ {v:.2f} ({NAMES[d]})" for d, v in BUDGET.items())
PAGE_BUDGET = {d: CORES * 1000 / rate for d, rate in PAGES.items()}
PAGE_BUDGET_TEXT = f"≤ {PAGE_BUDGET['sqlite']:.2f}"

ROWS = [
    Row("Ceiling: constant view, requests/s", "ceiling", ("rate",), "rate", ceiling_key="rate"),
    Row("Ceiling latency p50 / p99, ms", "ceiling", LATENCY, "ms", ceiling_key="p99_ms"),
    Row(
        "CPU per request, ms: web / worker / database / all",
        "ceiling",
        CPU,
        "cpu",
        ceiling_key="cpu_ms",
    ),
    Row(
        "Signatures accepted/s (303)",
        "sign",
        ("rate",),
        "rate",
        SIGNATURES,
        "≥ 1,500 (SQLite), ≥ 1,200 (PostgreSQL)",
        "rate",
    ),
    Row("Signing latency p50 / p99, ms", "sign", LATENCY, "ms", P99, "p99 < 100", "p99_ms"),
    Row(
        "CPU per signature, ms: web / worker / database / all",
        "sign",
        CPU,
        "cpu",
        BUDGET,
        BUDGET_TEXT,
        "cpu_ms",
    ),
    Row("Signing errors", "sign", ("errors",), "count", target_text="0"),
    Row("Signatures lost (acknowledged, not stored)", "sign", ("lost",), "count", target_text="0"),
    Row("Stored signatures without a queued email", "sign", ("emails_missing",), "count"),
    Row("Emails sent/s by the worker, after the load", "sign", ("email_rate",), "rate"),
    Row("Count right after confirming 100 of them, s", "sign", ("converged_s",), "s", STALE, "≤ 2"),
    Row("Confirmations/s (303)", "confirm", ("rate",), "rate", ceiling_key="rate"),
    Row("Confirming latency p50 / p99, ms", "confirm", LATENCY, "ms", ceiling_key="p99_ms"),
    Row(
        "CPU per confirmation, ms: web / worker / database / all",
        "confirm",
        CPU,
        "cpu",
        ceiling_key="cpu_ms",
    ),
    Row("Confirming errors", "confirm", ("errors",), "count", target_text="0"),
    Row("Confirmations lost", "confirm", ("lost",), "count", target_text="0"),
    Row("Count right after the confirmations, s", "confirm", ("converged_s",), "s", STALE, "≤ 2"),
    Row("Page views/s (anonymous)", "pages", ("rate",), "rate", PAGES, "≥ 8,000", "rate"),
    Row("Page latency p50 / p99, ms", "pages", LATENCY, "ms", ceiling_key="p99_ms"),
    Row(
        "CPU per page view, ms: web / worker / database / all",
        "pages",
        CPU,
        "cpu",
        PAGE_BUDGET,
        PAGE_BUDGET_TEXT,
        "cpu_ms",
    ),
    Row("Page errors", "pages", ("errors",), "count", target_text="0"),
    Row("Count shown on pages stale for, s", "pages", ("stale_s",), "s", STALE, "≤ 2"),
    Row(
        "Flash crowd: other petitions alone, p50 / p99 ms",
        "flash",
        ("alone_p50_ms", "alone_p99_ms"),
        "ms",
    ),
    Row(
        "Flash crowd: other petitions beside 10× on one, p50 / p99 ms",
        "flash",
        ("others_p50_ms", "others_p99_ms"),
        "ms",
    ),
    Row(
        "Flash crowd: requests/s, other petitions / the crowded one",
        "flash",
        ("others_rate", "hot_rate"),
        "rate",
    ),
    Row("Flash crowd: the crowded one, p50 / p99 ms", "flash", ("hot_p50_ms", "hot_p99_ms"), "ms"),
    Row("Flash crowd errors", "flash", ("errors",), "count", target_text="0"),
    Row("Memory per web worker: RSS / peak, MB", "memory", ("rss_mb", "peak_mb"), "MB"),
]


SEED = ("insert_s", "insert_rate")
FLAT = "≈ 1 (flat)"
AT_LEAST_08 = {"sqlite": 0.8, "postgresql": 0.8}


def both(key: str) -> tuple[str, str]:
    """The figure `key` at both sizes."""
    return (f"small_{key}", f"big_{key}")


def keys_of(prefix: str, keys: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"{prefix}_{key}" for key in keys)


def scale_rows(big: int) -> list[Row]:
    """Issue 4: the page and count.json at 1,000 and at `big` signatures, side by side."""
    small, big = f"{SMALL_SIGNATURES:,}", f"{big:,}"
    pages = ("pages_rate_ratio", "pages_p99_ms_ratio", "pages_cpu_ms_ratio")
    counts = ("count_rate_ratio", "count_p99_ms_ratio", "count_cpu_ms_ratio")
    return [
        Row(f"Inserting {big} signatures (SQL), s / rows/s", "scale", SEED, "rate"),
        Row("Seeding in all (insert, vacuum, recount), s", "scale", ("seed_s",), "rate"),
        Row("Database size after seeding, GB", "scale", ("database_gb",), "GB"),
        Row(
            f"Page render without the page cache, ms, {small} / {big}",
            "scale",
            both("render_ms"),
            "ms.1",
        ),
        Row(
            f"… its slowest query, ms, {small} / {big}",
            "scale",
            both("slowest_query_ms"),
            "ms.1",
        ),
        Row(
            f"Page views/s (anonymous), {small} / {big} signatures",
            "scale",
            both("pages_rate"),
            "rate",
        ),
        Row(
            f"Page latency p50 / p99 at {small} signatures, ms",
            "scale",
            keys_of("small_pages", LATENCY),
            "ms",
        ),
        Row(
            f"Page latency p50 / p99 at {big} signatures, ms",
            "scale",
            keys_of("big_pages", LATENCY),
            "ms",
        ),
        Row(
            f"CPU per page view at {small}, ms: web / worker / database / all",
            "scale",
            keys_of("small_pages", CPU),
            "cpu",
        ),
        Row(
            f"CPU per page view at {big}, ms: web / worker / database / all",
            "scale",
            keys_of("big_pages", CPU),
            "cpu",
        ),
        Row(
            f"Page at {big} ÷ at {small}: views/s / p99 / CPU",
            "scale",
            pages,
            "ratio",
            target_text=FLAT,
        ),
        Row(
            f"Count shown on pages stale for, s, {small} / {big}",
            "scale",
            both("pages_stale_s"),
            "s",
            STALE,
            "≤ 2",
        ),
        Row(
            f"count.json requests/s, {small} / {big} signatures",
            "scale",
            both("count_rate"),
            "rate",
        ),
        Row(
            f"count.json latency p50 / p99 at {small} signatures, ms",
            "scale",
            keys_of("small_count", LATENCY),
            "ms",
        ),
        Row(
            f"count.json latency p50 / p99 at {big} signatures, ms",
            "scale",
            keys_of("big_count", LATENCY),
            "ms",
        ),
        Row(f"CPU per count.json, ms (all), {small} / {big}", "scale", both("count_cpu_ms"), "cpu"),
        Row(
            f"count.json at {big} ÷ at {small}: requests/s / p99 / CPU",
            "scale",
            counts,
            "ratio",
            target_text=FLAT,
        ),
        Row(
            f"Page and count.json errors at {small} and {big}",
            "scale",
            ("errors",),
            "count",
            target_text="0",
        ),
    ]


def drain_rows(emails: int) -> list[Row]:
    """Issue 4: the queued emails sent to a real SMTP server while people sign."""
    n = f"{emails:,}"
    rates = ("drain_rate", "signing_drain_rate", "drain_rate_alone")
    cores = keys_of("signing", ("web_cores", "worker_cores", "database_cores", "smtp_cores"))
    return [
        Row(
            f"Drain of {n} queued emails, received/s: all / while signing / otherwise",
            "drain",
            rates,
            "rate",
        ),
        Row(
            f"Drain of {n}: from queued to the last received, s", "drain", ("drain_s",), "duration"
        ),
        Row("Signatures accepted/s during the drain (303)", "drain", ("signing_rate",), "rate"),
        Row(
            "Signing during the drain ÷ alone, signatures/s",
            "drain",
            ("sign_ratio",),
            "ratio",
            AT_LEAST_08,
            "≥ 0.8",
        ),
        Row(
            "Signing latency during the drain p50 / p99, ms",
            "drain",
            keys_of("signing", LATENCY),
            "ms",
            P99,
            "p99 < 100",
        ),
        Row(
            "CPU while signing during the drain, cores: web / worker / database / SMTP",
            "drain",
            cores,
            "ratio",
        ),
        Row(
            "Signing errors / lost during the drain",
            "drain",
            keys_of("signing", ("errors", "lost")),
            "count",
            target_text="0 / 0",
        ),
        Row(
            "Signing runs in which the drain ended (the ratio needs 0)",
            "drain",
            ("signing_drain_ended",),
            "count",
            target_text="0",
        ),
        Row(
            f"Drain: of {n} not received / rows not marked sent",
            "drain",
            ("missing", "not_sent"),
            "count",
            target_text="0 / 0",
        ),
        Row(
            "All emails: received twice (Message-ID) / sent, not received",
            "drain",
            ("duplicates", "sent_not_received"),
            "count",
            target_text="0 / 0",
        ),
        Row("SMTP server CPU per email, ms", "drain", ("smtp_cpu_ms",), "cpu"),
    ]


def summary(runs: list[dict]) -> dict:
    figures = {}
    for key in runs[0]:
        values = [run[key] for run in runs]
        if key in SUMMED:
            figures[key] = sum(values)
        elif key in WORST:
            figures[key] = None if None in values else max(values)
        else:
            figures[key] = median(values)
    return figures


def figures_of(results: dict, databases: list[str]) -> dict:
    ceiling = summary(results["ceiling"])
    figures = {}
    for d in databases:
        figures[d] = {p: summary(results[d][p]) for p in ("pages", "confirm", "sign", "flash")}
        figures[d]["ceiling"] = ceiling
        memory = results[d]["memory"]
        figures[d]["memory"] = {
            "rss_mb": max(m["rss_mb"] for m in memory),
            "peak_mb": max(m["peak_mb"] for m in memory),
        }
        if "scale" in results[d]:
            figures[d]["scale"] = scale_figures(results[d]["scale"])
        if "drain" in results[d]:
            figures[d]["drain"] = drain_figures(results[d], figures[d]["sign"])
    return figures


def scale_figures(scale: dict) -> dict:
    """One flat dict: each part's medians prefixed with its name, big ÷ small, the seeding."""
    flat = dict(scale["seed"])
    parts = ("small_pages", "big_pages", "small_count", "big_count")
    for part in parts:
        flat.update({f"{part}_{key}": value for key, value in summary(scale[part]).items()})
    for kind in ("pages", "count"):
        for key in ("rate", "p99_ms", "cpu_ms"):
            big, small = flat[f"big_{kind}_{key}"], flat[f"small_{kind}_{key}"]
            flat[f"{kind}_{key}_ratio"] = big / small if big is not None and small else None
    flat["errors"] = sum(flat[f"{part}_errors"] for part in parts)
    flat["others_cpu"] = max(flat[f"{part}_others_cpu"] for part in parts)
    return flat


def drain_figures(result: dict, signing_alone: dict) -> dict:
    """The drain (once per database) and the median of the signing runs during it."""
    flat = dict(result["drain"])
    runs = result["drain_sign"]
    if runs:
        flat.update({f"signing_{key}": value for key, value in summary(runs).items()})
        flat["sign_ratio"] = flat["signing_rate"] / signing_alone["rate"]
        flat["others_cpu"] = flat["signing_others_cpu"]
    return flat


def table(results: dict, databases: list[str]) -> str:
    figures = figures_of(results, databases)
    names = [NAMES[d] for d in databases]
    header = ["Figure", *names, "Target"]
    header += [f"{n} ÷ target" for n in names] + [f"{n} ÷ ceiling" for n in names]
    lines = ["| " + " | ".join(header) + " |", "|---" + "|--:" * (len(header) - 1) + "|"]
    for row in ROWS + issue_4_rows(results, databases):
        if any(row.part not in figures[d] for d in databases):
            continue  # figures of an older bench
        values = {d: [figures[d][row.part].get(key) for key in row.keys] for d in databases}
        cells = [" / ".join(show(v, row.unit) for v in values[d]) for d in databases]
        targets = [ratio(values[d][-1], row.target and row.target[d]) for d in databases]
        ceiling = [
            ratio(values[d][-1], row.ceiling_key and figures[d]["ceiling"][row.ceiling_key])
            for d in databases
        ]
        lines.append("| " + " | ".join([row.label, *cells, row.target_text, *targets, *ceiling]))
        lines[-1] += " |"
    return "\n".join(lines)


def issue_4_rows(results: dict, databases: list[str]) -> list[Row]:
    """The rows of the scale test and the drain, labelled with their sizes (the same for every
    database of a run)."""
    rows = []
    if databases and "scale" in results[databases[0]]:
        rows += scale_rows(results[databases[0]]["scale"]["seed"]["signatures"])
    if databases and "drain" in results[databases[0]]:
        rows += drain_rows(results[databases[0]]["drain"]["emails"])
    return rows


def worst_others_cpu(results: dict, databases: list[str]) -> float:
    figures = figures_of(results, databases)
    return max(
        part["others_cpu"]
        for d in databases
        for part in figures[d].values()
        if "others_cpu" in part
    )


def show(value, unit: str) -> str:
    if value is None:
        return {"s": "not within 30 s", "duration": "gave up"}.get(unit, "–")
    if unit in ("s", "ratio"):
        return f"{value:.2f}"
    if unit in ("cpu", "GB", "ms.1"):
        return f"{value:,.1f}"
    if unit == "count":
        return f"{value:,}"
    return f"{value:,.0f}"


def ratio(value, base) -> str:
    return f"{value / base:.2f}" if value is not None and base else ""
