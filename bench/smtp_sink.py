"""A real SMTP server for the bench: accepts every message and keeps one line per message.

The worker sends to it over SMTP exactly as it would to a mail relay (UNDEU_MAIL=smtp, Django's
SMTP backend, one TCP connection per batch or per message). It runs as its own process,
`python -m bench.smtp_sink PORT LOG`, so that its CPU is counted apart (the "smtp" role of
bench.load.CpuMeter) and never holds the bench's GIL. For each message it appends
"<unix time> <Message-ID> <recipients>" to LOG and nothing else.

It is a few lines of asyncio rather than aiosmtpd because it shares the 2 cores with what it
measures: aiosmtpd took about 1.1 ms of CPU per message on one connection, this takes about 0.2
(the sink's CPU per email is in the table). And it needs nothing beyond the standard library.

SmtpSink starts it and reads the lines back.
"""

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.load import ROOT, free_port

MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(<[^>\r\n]*>)", re.IGNORECASE | re.MULTILINE)
HEADER_END = re.compile(rb"\r?\n\r?\n")


@dataclass(frozen=True)
class Received:
    at: float  # unix time
    message_id: str
    to: str  # the envelope's recipients, comma-separated


class SmtpSink:
    """The SMTP server process and what it has received so far."""

    def __init__(self, log_path: Path):
        self.log_path = log_path
        self.port = free_port()
        self.process = None
        self.records: list[Received] = []
        self._offset = 0

    def start(self) -> "SmtpSink":
        command = [sys.executable, "-m", "bench.smtp_sink", str(self.port), str(self.log_path)]
        self.process = subprocess.Popen(command, cwd=ROOT, start_new_session=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the bench's SMTP server stopped at start")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("the bench's SMTP server did not listen within 20 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def received(self) -> list[Received]:
        """Every message received so far (reads only the lines added since the last call)."""
        with self.log_path.open("rb") as log:
            log.seek(self._offset)
            data = log.read()
        complete = data[: data.rfind(b"\n") + 1]  # a line being written is read next time
        self._offset += len(complete)
        for line in complete.decode().splitlines():
            at, message_id, to = line.split(" ", 2)
            self.records.append(Received(float(at), message_id, to))
        return self.records

    def cpu_seconds(self) -> float:
        """CPU time the server process has used since it started."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Session(asyncio.Protocol):
    """One SMTP connection: the commands a mail client sends (RFC 5321's minimum: EHLO or
    HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), each answered at once; the message between DATA
    and the final "." is only searched for its Message-ID."""

    def __init__(self, log):
        self.log = log
        self.buffer = b""
        self.searched = 0  # of the buffer, for the end of the message
        self.in_data = False
        self.recipients: list[str] = []

    def connection_made(self, transport):
        self.transport = transport
        transport.write(b"220 bench-smtp-sink ESMTP\r\n")

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while not self.transport.is_closing():
            if self.in_data:
                if not self._message():
                    return
            elif not self._command():
                return

    def _command(self) -> bool:
        end = self.buffer.find(b"\r\n")
        if end < 0:
            return False
        line, self.buffer = self.buffer[:end], self.buffer[end + 2 :]
        verb = line[:4].upper()
        if verb == b"EHLO":
            self.transport.write(b"250-bench-smtp-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
        elif verb == b"MAIL":
            self.recipients = []
            self.transport.write(b"250 OK\r\n")
        elif verb == b"RCPT":
            self.recipients.append(line.partition(b"<")[2].partition(b">")[0].decode())
            self.transport.write(b"250 OK\r\n")
        elif verb == b"DATA":
            self.in_data, self.searched = True, 0
            self.transport.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
        elif verb == b"QUIT":
            self.transport.write(b"221 Bye\r\n")
            self.transport.close()
        elif verb in (b"HELO", b"RSET", b"NOOP"):
            self.recipients = [] if verb == b"RSET" else self.recipients
            self.transport.write(b"250 OK\r\n")
        else:
            self.transport.write(b"502 Command not implemented\r\n")
        return True

    def _message(self) -> bool:
        if self.buffer.startswith(b".\r\n"):
            end = -2  # an empty message
        else:
            end = self.buffer.find(b"\r\n.\r\n", max(0, self.searched - 4))
            if end < 0:
                self.searched = len(self.buffer)
                return False
        message, self.buffer = self.buffer[: end + 2], self.buffer[end + 5 :]
        self.in_data = False
        self._record(message)
        self.transport.write(b"250 OK\r\n")
        return True

    def _record(self, message: bytes) -> None:
        header_end = HEADER_END.search(message)
        found = MESSAGE_ID.search(message, 0, header_end.start() if header_end else len(message))
        message_id = found.group(1).decode() if found else "-"
        self.log.write(f"{time.time():.3f} {message_id} {','.join(self.recipients)}\n")


async def serve(port: int, log_path: Path) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    # Line-buffered: each message's line is written at once, so the bench can follow the count.
    with log_path.open("a", buffering=1) as log:
        server = await loop.create_server(lambda: Session(log), "127.0.0.1", port)
        async with server:
            await stop.wait()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), Path(sys.argv[2])))
