"""Video links a starter may add, turned into privacy-friendly embed addresses.

Only hosts on this allow-list are embedded, and only after the visitor allows third-party media.
"""

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_VIMEO_ID = re.compile(r"^[0-9]{1,12}$")


@dataclass(frozen=True)
class VideoEmbed:
    host_name: str
    embed_url: str
    watch_url: str


def video_embed(url: str) -> VideoEmbed | None:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"}:
        return None
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    video_id = None
    if host == "youtube.com":
        if parts.path == "/watch":
            video_id = (parse_qs(parts.query).get("v") or [""])[0]
        elif parts.path.startswith(("/embed/", "/shorts/")):
            video_id = parts.path.split("/")[2]
    elif host == "youtu.be":
        video_id = parts.path.lstrip("/")
    if video_id is not None:
        if not _YOUTUBE_ID.match(video_id):
            return None
        return VideoEmbed(
            "YouTube",
            f"https://www.youtube-nocookie.com/embed/{video_id}",
            f"https://www.youtube.com/watch?v={video_id}",
        )
    if host in {"vimeo.com", "player.vimeo.com"}:
        video_id = parts.path.rstrip("/").rsplit("/", 1)[-1]
        if not _VIMEO_ID.match(video_id):
            return None
        return VideoEmbed(
            "Vimeo",
            f"https://player.vimeo.com/video/{video_id}?dnt=1",
            f"https://vimeo.com/{video_id}",
        )
    return None
