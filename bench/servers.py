"""Which application server: granian, gunicorn or uvicorn, measured on the same Django stack.

    .venv/bin/python -m bench.servers

Serves the bench's ceiling (Undeu's settings and middleware, one constant view: bench/ceiling.py)
with each server in turn, with as many workers as cores and 4 threads where the server has
threads, drives it with wrk (1 thread, 16 connections, 3 runs of 10 s) and prints requests/s
and latency. gunicorn and uvicorn are installed into a temporary directory for the measurement
only; Undeu depends on neither.
"""

import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORES = os.cpu_count() or 1
THREADS = 4
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))


def servers(port: int) -> dict[str, list[str]]:
    python = sys.executable
    bind = ["--host", "127.0.0.1", "--port", str(port)]
    return {
        f"granian WSGI, {CORES} workers × {THREADS} threads (what `serve` runs)": [
            python, "-m", "granian", "--interface", "wsgi", *bind, "--workers", str(CORES),
            "--blocking-threads", str(THREADS), "--no-access-log", "undeu.wsgi:application",
        ],
        f"gunicorn gthread, {CORES} workers × {THREADS} threads": [
            python, "-m", "gunicorn", "-b", f"127.0.0.1:{port}", "-w", str(CORES), "-k",
            "gthread", "--threads", str(THREADS), "undeu.wsgi:application",
        ],
        f"gunicorn sync, {2 * CORES} workers": [
            python, "-m", "gunicorn", "-b", f"127.0.0.1:{port}", "-w", str(2 * CORES),
            "undeu.wsgi:application",
        ],
        f"uvicorn ASGI, {CORES} workers": [
            python, "-m", "uvicorn", *bind, "--workers", str(CORES), "--no-access-log",
            "--log-level", "warning", "--factory", "django.core.asgi:get_asgi_application",
        ],
    }  # fmt: skip


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_serving(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server stopped at start")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing answered {url} in 60 s")


def wrk(url: str) -> tuple[float, float, float]:
    output = subprocess.run(
        ["wrk", "-t1", "-c16", f"-d{SECONDS}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    return rate, _latency_ms(output, "50%"), _latency_ms(output, "99%")


def _latency_ms(output: str, percentile: str) -> float:
    value, unit = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)", output).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="undeu-servers-"))
    try:
        site = work / "site"
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--target", str(site),
             "gunicorn", "uvicorn"],
            check=True,
        )  # fmt: skip
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.ceiling",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "UNDEU_HTTPS": "0",
            "UNDEU_VAR_DIR": str(work / "var"),
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(site)]),
        }
        print(f"{CORES} cores; wrk 1 thread, 16 connections; median of {RUNS} runs of {SECONDS} s")
        print("\n| Server | Requests/s | p50 ms | p99 ms |\n|---|--:|--:|--:|")
        port = free_port()
        for name, command in servers(port).items():
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            try:
                url = f"http://127.0.0.1:{port}/ceiling/"
                wait_until_serving(url, process)
                wrk(url)  # warm up every worker and thread
                runs = [wrk(url) for _ in range(RUNS)]
                rate, p50, p99 = (statistics.median(values) for values in zip(*runs, strict=True))
                print(f"| {name} | {rate:,.0f} | {p50:.1f} | {p99:.1f} |", flush=True)
            finally:
                os.killpg(process.pid, 15)
                process.wait(timeout=30)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
