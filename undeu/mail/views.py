"""The demo mailbox: under `make run` emails are written to var/mail and read here.

Only routed when UNDEU_MAIL=local, which a public instance never sets.
"""

import email
import email.policy
from pathlib import Path

from django.conf import settings
from django.http import Http404
from django.shortcuts import render


def _messages(limit: int = 50) -> list[dict]:
    folder = Path(settings.EMAIL_FILE_PATH)
    if not folder.is_dir():
        return []
    messages = []
    files = sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for path in files[:limit]:
        raw = path.read_bytes()
        # The file backend appends messages separated by a line of dashes.
        for chunk in reversed(raw.split(b"\n" + b"-" * 79 + b"\n")):
            if not chunk.strip():
                continue
            parsed = email.message_from_bytes(chunk.lstrip(), policy=email.policy.default)
            text = parsed.get_body(preferencelist=("plain",))
            messages.append(
                {
                    "id": f"{path.stem}",
                    "subject": str(parsed["Subject"] or "").strip(),
                    "to": parsed["To"],
                    "date": parsed["Date"],
                    "body": text.get_content() if text else "",
                }
            )
    return messages[:limit]


def mailbox(request):
    if settings.UNDEU_MAIL != "local":
        raise Http404
    return render(request, "mail/mailbox.html", {"messages": _messages()})
