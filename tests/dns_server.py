"""A small authoritative DNS server for the tests, on a free UDP port of 127.0.0.1, that counts
the queries it gets.

The zone maps a name to its records as text ("MX 10 mx.example.kz.", "A 192.0.2.1"), or to
SILENT (queries get no answer: the resolver times out), SERVFAIL, or SLOW (answered after
SLOW_SECONDS, from another thread so the server keeps answering the rest). A name that is not
in the zone does not exist (NXDOMAIN); a name in it without records of the type asked for
answers with none (NOERROR, NODATA).
"""

import socket
import threading

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset

SILENT = "silent"
SERVFAIL = "servfail"
SLOW = "slow"
SLOW_SECONDS = 0.3
SLOW_RECORDS = ["MX 10 mx.example.kz."]


class DnsServer:
    def __init__(self, zone: dict[str, list[str] | str]):
        self.zone = {dns.name.from_text(name): records for name, records in zone.items()}
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))  # bound, not probed: no other process can take it
        self.socket.settimeout(0.05)
        self.port = self.socket.getsockname()[1]
        self._queries: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)
        self.socket.close()

    @property
    def queries(self) -> list[tuple[str, str]]:
        """(name, type) of every query received, in order: ("example.kz", "MX")."""
        with self._lock:
            return list(self._queries)

    def _serve(self):
        while not self._stop.is_set():
            try:
                wire, client = self.socket.recvfrom(4096)
            except TimeoutError:
                continue
            query = dns.message.from_wire(wire)
            question = query.question[0]
            with self._lock:
                self._queries.append(
                    (
                        question.name.to_text(omit_final_dot=True),
                        dns.rdatatype.to_text(question.rdtype),
                    )
                )
            records = self.zone.get(question.name)
            if records == SILENT:
                continue
            response = self._response(query, records)
            if records == SLOW:
                timer = threading.Timer(SLOW_SECONDS, self._send, (response, client))
                timer.start()
            else:
                self._send(response, client)

    def _send(self, response, client):
        if not self._stop.is_set():
            self.socket.sendto(response.to_wire(), client)

    def _response(self, query, records):
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        question = query.question[0]
        if records is None:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif records == SERVFAIL:
            response.set_rcode(dns.rcode.SERVFAIL)
        else:
            asked = dns.rdatatype.to_text(question.rdtype)
            records = SLOW_RECORDS if records == SLOW else records
            found = [data for kind, _, data in (r.partition(" ") for r in records) if kind == asked]
            if found:
                response.answer.append(dns.rrset.from_text(question.name, 300, "IN", asked, *found))
        return response
