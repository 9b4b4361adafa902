"""A petition's image: checked by its content, made small, stripped of metadata.

The file's name and the browser's content type say nothing reliable, so the bytes are opened
with Pillow, allowing only the JPEG, PNG and WebP decoders. Its size in pixels is checked before
any pixel is decoded (a few kilobytes of PNG can claim gigabytes of pixels), and Pillow's own
decompression-bomb limit is turned into a refusal too. The picture is then drawn anew: turned
upright by its EXIF orientation, scaled to fit MAX_SIZE and encoded again, carrying no EXIF
(GPS position, camera, time), XMP, text chunks or colour profile, under a random file name.
"""

import io
import secrets
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from undeu.petitions.models import Petition, PetitionState
from undeu.starting.access import locked_petition
from undeu.starting.models import PetitionImageText

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40-megapixel photo; about 120 MB once decoded
MAX_SIZE = (1600, 2000)  # at most 1600 px wide (and 2000 px high)
# Pillow format -> (file extension, content type, encoder options)
FORMATS = {
    "JPEG": ("jpg", "image/jpeg", {"quality": 85, "optimize": True, "progressive": True}),
    "PNG": ("png", "image/png", {"optimize": True}),
    "WEBP": ("webp", "image/webp", {"quality": 85, "method": 4}),
}
CONTENT_TYPES = {extension: content_type for extension, content_type, _o in FORMATS.values()}


@dataclass(frozen=True)
class PreparedImage:
    content: bytes
    extension: str
    width: int
    height: int


def _not_an_image() -> ValidationError:
    return ValidationError(
        _("This file is not a picture we can use. Upload a JPEG, PNG or WebP image."),
        code="not_an_image",
    )


def _too_many_pixels() -> ValidationError:
    return ValidationError(
        _("This picture has too many pixels. Upload a smaller one (at most 40 megapixels)."),
        code="too_many_pixels",
    )


def too_large_message() -> str:
    return _("This file is too large. Upload a picture of at most 5 MB.")


def prepare_image(upload) -> PreparedImage:
    """Check an uploaded file and return the picture to store, or raise ValidationError."""
    if upload.size > MAX_BYTES:
        raise ValidationError(too_large_message(), code="too_large")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _prepare(upload)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except ValidationError:
        raise
    # UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, struct.error...:
    # whatever a broken or hostile file makes a decoder raise is a refusal, never a 500.
    except Exception:
        raise _not_an_image() from None


def _prepare(upload) -> PreparedImage:
    allowed = list(FORMATS)
    upload.seek(0)
    with Image.open(upload, formats=allowed) as probe:
        source_format = probe.format
        width, height = probe.size
        if width * height > MAX_PIXELS:
            raise _too_many_pixels()
        probe.verify()  # structure and checksums, before decoding
    upload.seek(0)
    with Image.open(upload, formats=allowed) as opened:
        if source_format == "JPEG":
            # Let the JPEG decoder scale down while decoding: less memory for big photos.
            opened.draft("RGB", MAX_SIZE)
        opened.load()
        picture = ImageOps.exif_transpose(opened)
    has_alpha = picture.mode in {"RGBA", "LA", "PA"} or "transparency" in picture.info
    mode = "RGBA" if has_alpha and source_format != "JPEG" else "RGB"
    picture = picture.convert(mode)
    picture.thumbnail(MAX_SIZE, Image.Resampling.LANCZOS)
    clean = Image.new(mode, picture.size)
    clean.paste(picture)  # a new image: none of the source's metadata comes along
    extension, _content_type, options = FORMATS[source_format]
    output = io.BytesIO()
    clean.save(output, format=source_format, **options)
    return PreparedImage(output.getvalue(), extension, clean.width, clean.height)


def store_image(petition: Petition, user, prepared: PreparedImage | None, alts: dict[str, str]):
    """Set the draft's image (None keeps the current one) and its descriptions by language.

    The file is written first under a new random name; the old file is deleted only after the
    change is committed, and the new one is deleted if the change is refused.
    """
    storage = Petition._meta.get_field("image").storage
    new_name = None
    if prepared is not None:
        field = Petition._meta.get_field("image")
        name = field.generate_filename(
            petition, f"{secrets.token_urlsafe(18)}.{prepared.extension}"
        )
        new_name = storage.save(name, ContentFile(prepared.content))
    try:
        with transaction.atomic():
            locked = locked_petition(petition.pk, user, (PetitionState.DRAFT,))
            old_name = locked.image.name
            if new_name:
                Petition.objects.filter(pk=locked.pk).update(image=new_name)
            _save_alts(locked, alts)
    except Exception:
        if new_name:
            storage.delete(new_name)
        raise
    if new_name and old_name:
        transaction.on_commit(lambda: storage.delete(old_name))


def _save_alts(petition: Petition, alts: dict[str, str]) -> None:
    for language, alt in alts.items():
        if alt:
            PetitionImageText.objects.update_or_create(
                petition=petition, language=language, defaults={"alt": alt}
            )
        else:
            PetitionImageText.objects.filter(petition=petition, language=language).delete()


def remove_image(petition: Petition, user) -> None:
    storage = Petition._meta.get_field("image").storage
    with transaction.atomic():
        locked = locked_petition(petition.pk, user, (PetitionState.DRAFT,))
        old_name = locked.image.name
        Petition.objects.filter(pk=locked.pk).update(image="")
        PetitionImageText.objects.filter(petition=locked).delete()
    if old_name:
        transaction.on_commit(lambda: storage.delete(old_name))


def image_alt(petition: Petition, language: str) -> str:
    """The image's description in `language`, else in the primary language, else any."""
    texts = {t.language: t.alt for t in PetitionImageText.objects.filter(petition=petition)}
    return (
        texts.get(language)
        or texts.get(petition.primary_language)
        or next(iter(texts.values()), "")
    )
