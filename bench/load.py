"""The server under test and the load on it: `manage.py serve` as production runs it, and wrk.

No Django here: this module only starts processes, sends HTTP and reads /proc.
"""

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
LUA_DIR = BENCH_DIR / "lua"
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
# The load generator and the server share the machine's cores: wrk gets one thread, the server
# the rest (see docs/performance.md).
# Web processes: `serve`'s own default (one per CPU, one more on PostgreSQL) unless set.
WEB_WORKERS = int(os.environ.get("BENCH_WEB_WORKERS", "0")) or None
WEB_THREADS = int(os.environ.get("BENCH_WEB_THREADS", "1"))
# Concurrent connections of a measurement: several times what the server works on at once,
# so it is always busy; latency then mostly is the wait in its queue (see docs/performance.md).
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
WRK_TIMEOUT = "5s"
PG_DATABASE = os.environ.get("BENCH_PG_DATABASE", "undeu_bench")
# Issue 4's scale test: page cost on a petition of 1,000 signatures and on one of 10 million.
SMALL_SIGNATURES = 1000
BIG_SIGNATURES = int(os.environ.get("BENCH_BIG_SIGNATURES", "10000000"))
# Issue 4's drain: confirmation emails queued at once, sent to a real SMTP server while people sign.
DRAIN_EMAILS = int(os.environ.get("BENCH_DRAIN_EMAILS", "100000"))
BENCH_ROOT = int(os.environ.get("BENCH_ROOT_PID", os.getpid()))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`manage.py serve`: granian (WSGI) and, unless `worker=False`, the background worker."""

    def __init__(self, log_path: Path, *, env: dict | None = None, worker: bool = True):
        self.env = env or dict(os.environ)
        self.log_path = log_path
        self.worker = worker
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.process = None

    def url(self, path: str) -> str:
        return self.origin + path

    def start(self, ready_path: str) -> "Server":
        command = [sys.executable, "manage.py", "serve", "--port", str(self.port)]
        command += ["--threads", str(WEB_THREADS)]
        if WEB_WORKERS:
            command += ["--workers", str(WEB_WORKERS)]
        if not self.worker:
            command.append("--no-worker")
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped at start; see {self.log_path}")
            if get(self.url(ready_path))[0] == 200:
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the server did not answer {ready_path} in 60 s; see {self.log_path}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # serve stops granian and the worker
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def web_worker_memory(self) -> list[dict]:
        """RSS and peak RSS (MB) of each granian worker process: the children of granian's
        main process, which is a child of `serve`."""
        children = _children()
        granian = [pid for pid in children.get(self.process.pid, []) if b"granian" in _cmd(pid)]
        return [_memory(pid) for main in granian for pid in children.get(main, [])]


def _processes() -> dict[int, tuple[int, int]]:
    """pid: (parent pid, CPU time used in clock ticks) of every process."""
    processes = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            processes[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    return processes


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for pid, (parent, _) in _processes().items():
        tree.setdefault(parent, []).append(pid)
    return tree


class CpuMeter:
    """CPU time used meanwhile, in seconds, by role: the web workers, the task worker, the
    database's backends, wrk, the bench's SMTP server, the rest of the bench, and other
    processes on the machine (other work on a shared machine makes every figure lower).
    PostgreSQL's shared background processes and kernel threads count for nobody."""

    def __init__(self):
        self.before = _processes()
        self.stolen_before = _stolen()
        self.started = time.monotonic()

    def read(self) -> dict[str, float]:
        after = _processes()
        children: dict[int, list[int]] = {}
        for pid, (parent, _) in after.items():
            children.setdefault(parent, []).append(pid)
        ours, stack = set(), [BENCH_ROOT]
        while stack:
            pid = stack.pop()
            ours.add(pid)
            stack.extend(children.get(pid, []))
        used = dict.fromkeys(["web", "worker", "database", "wrk", "smtp", "bench", "others"], 0.0)
        for pid, (_, ticks) in after.items():
            role = _role(_cmd(pid), pid in ours)
            if role:
                used[role] += (ticks - self.before.get(pid, (0, 0))[1]) / os.sysconf("SC_CLK_TCK")
        used["stolen"] = (_stolen() - self.stolen_before) / os.sysconf("SC_CLK_TCK")
        used["elapsed"] = time.monotonic() - self.started
        return used


def _stolen() -> int:
    """Clock ticks the hypervisor gave to other machines while ours wanted to run."""
    return int(Path("/proc/stat").read_text().split("\n", 1)[0].split()[8])


def cpu_per(cpu: dict, requests: int) -> dict:
    """Milliseconds of CPU per request in the web workers, the task worker and PostgreSQL;
    None when no request was answered (a page that takes longer to render than the run)."""
    roles = ("web", "worker", "database")
    if not requests:
        return dict.fromkeys([*(f"cpu_{role}_ms" for role in roles), "cpu_ms"])
    per = {f"cpu_{role}_ms": cpu[role] * 1000 / requests for role in roles}
    return {**per, "cpu_ms": sum(per.values())}


def wait_until_idle(limit: float = 60) -> None:
    """Until the web workers have been idle for half a second (under 5 % of a core), at most
    `limit` seconds: requests that outlast their wrk run (renders of seconds each) must not
    run into the next measurement."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        meter = CpuMeter()
        time.sleep(0.5)
        if meter.read()["web"] < 0.025:
            return


def others_share(cpu: dict[str, float]) -> float:
    """The share of the machine that other processes, or other virtual machines, took."""
    return (cpu["others"] + cpu["stolen"]) / (cpu["elapsed"] * os.cpu_count())


def _role(cmdline: bytes, ours: bool) -> str | None:
    if ours:
        if cmdline.startswith(b"wrk"):
            return "wrk"
        if b"granian" in cmdline:
            return "web"
        if b"bench.smtp_sink" in cmdline:
            return "smtp"
        return "worker" if b"manage.py\x00worker" in cmdline else "bench"
    if not cmdline:
        return None  # a kernel thread
    if cmdline.startswith(b"postgres: "):
        backend = cmdline.split(b": ", 2)[-1].split()
        if len(backend) < 3:
            return None
        return "database" if backend[1].decode() == PG_DATABASE else "others"
    return "others"


def _cmd(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _memory(pid: int) -> dict:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in {"VmRSS", "VmHWM"}:
            fields[name] = int(value.split()[0]) / 1024
    return {"pid": pid, "rss_mb": fields["VmRSS"], "peak_mb": fields["VmHWM"]}


def get(url: str, *, data: bytes | None = None, origin: str | None = None) -> tuple[int, bytes]:
    """One request without following redirects; (status, body), status 0 when unreachable."""
    request = urllib.request.Request(url, data=data)
    if origin:
        request.add_header("Origin", origin)
    try:
        with _OPENER.open(request, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError:
        return 0, b""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


@dataclass
class Load:
    """One wrk run: `script` from bench/lua with `env` for it, on `connections` connections."""

    script: str
    connections: int
    env: dict
    seconds: int = SECONDS

    def start(self, server: Server) -> "Running":
        descriptor, name = tempfile.mkstemp(prefix="wrk-", suffix=".json")
        os.close(descriptor)
        out = Path(name)
        env = {
            **os.environ,
            "BENCH_LUA_DIR": str(LUA_DIR),
            "BENCH_OUT": str(out),
            "BENCH_ORIGIN": server.origin,
            **self.env,
        }
        command = ["wrk", "-t1", f"-c{self.connections}", f"-d{self.seconds}s"]
        command += ["--timeout", WRK_TIMEOUT, "-s", str(LUA_DIR / self.script), server.url("/")]
        meter = CpuMeter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        return Running(process, out, meter)

    def run(self, server: Server) -> "Result":
        return self.start(server).result()


@dataclass
class Running:
    process: subprocess.Popen
    out: Path
    meter: CpuMeter

    def result(self) -> "Result":
        stdout, stderr = self.process.communicate()
        if self.process.returncode:
            raise RuntimeError(f"wrk failed: {stderr.decode()}{stdout.decode()}")
        data = json.loads(self.out.read_text())
        self.out.unlink()
        return Result(data, self.meter.read())


class Result:
    def __init__(self, data: dict, cpu: dict[str, float]):
        self.cpu = cpu
        self.others_cpu = others_share(cpu)
        self.statuses = {int(status): n for status, n in data["statuses"][0].items()}
        self.seconds = data["duration_us"] / 1e6
        self.socket_errors = data["socket_errors"]
        self.timeouts = data["timeouts"]
        # No latency when nothing was answered (wrk then reports 0).
        answered = sum(self.statuses.values())
        self.p50_ms = data["p50_us"] / 1000 if answered else None
        self.p99_ms = data["p99_us"] / 1000 if answered else None

    def rate(self, status: int) -> float:
        return self.statuses.get(status, 0) / self.seconds

    def errors(self, *expected: int) -> int:
        """Answers with another status than `expected`, lost connections and timeouts."""
        unexpected = sum(n for status, n in self.statuses.items() if status not in expected)
        return unexpected + self.socket_errors + self.timeouts


def median(values) -> float:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None
