"""The table `make bench` prints: every figure beside its target and the ceiling."""

import os
from dataclasses import dataclass

from bench.load import median

NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# Summed over the runs (any one is a failure); the worst run for how long a count lags and for
# how busy other processes kept the machine; the median of the runs for everything else.
SUMMED = {"errors", "lost", "emails_missing", "sample_unconfirmed"}
WORST = {"stale_s", "converged_s", "others_cpu"}


@dataclass(frozen=True)
class Row:
    label: str
    part: str  # ceiling, pages, confirm, sign, flash or memory
    keys: tuple[str, ...]  # one figure, or several shown as "a / b" (ratios are of the last)
    unit: str  # rate, ms, cpu (ms), count, s or MB
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
    return figures


def table(results: dict, databases: list[str]) -> str:
    figures = figures_of(results, databases)
    names = [NAMES[d] for d in databases]
    header = ["Figure", *names, "Target"]
    header += [f"{n} ÷ target" for n in names] + [f"{n} ÷ ceiling" for n in names]
    lines = ["| " + " | ".join(header) + " |", "|---" + "|--:" * (len(header) - 1) + "|"]
    for row in ROWS:
        values = {d: [figures[d][row.part][key] for key in row.keys] for d in databases}
        cells = [" / ".join(show(v, row.unit) for v in values[d]) for d in databases]
        targets = [ratio(values[d][-1], row.target and row.target[d]) for d in databases]
        ceiling = [
            ratio(values[d][-1], row.ceiling_key and figures[d]["ceiling"][row.ceiling_key])
            for d in databases
        ]
        lines.append("| " + " | ".join([row.label, *cells, row.target_text, *targets, *ceiling]))
        lines[-1] += " |"
    return "\n".join(lines)


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
        return "not within 30 s" if unit == "s" else "–"
    if unit == "s":
        return f"{value:.2f}"
    if unit == "cpu":
        return f"{value:.1f}"
    if unit == "count":
        return f"{value:,}"
    return f"{value:,.0f}"


def ratio(value, base) -> str:
    return f"{value / base:.2f}" if value is not None and base else ""
