"""Model fields whose values are encrypted at rest: signers' names and emails, and the outbox's
addresses and contexts.

Values are Fernet tokens (AES-128-CBC with HMAC-SHA256, `cryptography`'s recipe) under the keys
of UNDEU_SIGNER_KEYS through a MultiFernet: the first key encrypts, every key decrypts, so keys
rotate without downtime (`manage.py rotate_signer_keys` re-encrypts what the older keys wrote,
after which they can go). Encryption happens in the field (`get_db_prep_value`), so every way
of writing a row, the signing path's prepared INSERT included, stores ciphertext; reading
decrypts in `from_db_value`. The empty string stays empty: an erased signature shows as erased,
and nothing is hidden by encrypting nothing.

Each token is randomised, so the database cannot compare values: a lookup on one of these
fields (other than `isnull`) is refused with an error, never run against ciphertext and
silently matching nothing. Who signed is found by the keyed hash of the email
(`Signature.objects.for_email`); anything else (a name pattern) is matched in Python.
"""

import json
import math
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldError
from django.db import models
from django.utils.datastructures import DictWrapper


class DecryptionError(Exception):
    """A stored value that none of the configured keys can decrypt: the key that wrote it was
    removed (before the rotation finished), or the keys are not the ones this database uses."""


@cache
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def keyring() -> MultiFernet:
    """The configured keys (built once per set of keys, so tests may change the setting)."""
    return _fernet_for(tuple(settings.UNDEU_SIGNER_KEYS))


@cache
def _single(key: str) -> Fernet:
    return Fernet(key)


def primary_key() -> Fernet:
    """The key that encrypts (the first)."""
    return _single(settings.UNDEU_SIGNER_KEYS[0])


def encrypt(text: str) -> str:
    return keyring().encrypt(text.encode()).decode()


def decrypt(token: str, *, where: str = "a stored value") -> str:
    try:
        return keyring().decrypt(token.encode()).decode()
    except InvalidToken:
        raise DecryptionError(
            f"{where} cannot be decrypted with any key in UNDEU_SIGNER_KEYS: the key it was"
            " encrypted with is missing (removed before `manage.py rotate_signer_keys` finished?)"
            " or these are not this database's keys"
        ) from None


def encrypted_length(max_chars: int) -> int:
    """The longest token for a text of `max_chars` characters (4 bytes each in UTF-8 at worst):
    version (1 byte), timestamp (8), IV (16), the AES-CBC ciphertext (PKCS7 always pads, to the
    next multiple of 16) and the HMAC (32), in base64 with padding."""
    ciphertext = (max_chars * 4 // 16 + 1) * 16
    return 4 * math.ceil((1 + 8 + 16 + ciphertext + 32) / 3)


class _Encrypted:
    """What every encrypted field shares: no lookups on ciphertext, decrypting on reading."""

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        raise FieldError(self._refusal(lookup_name))

    def get_transform(self, lookup_name):
        raise FieldError(self._refusal(lookup_name))

    def _refusal(self, lookup_name: str) -> str:
        return (
            f"{self.model.__name__}.{self.name} is encrypted at rest, so the database cannot"
            f" compare it ({lookup_name!r}): filter on a keyed hash (Signature.objects.for_email)"
            " or compare the decrypted values in Python"
        )

    def _where(self) -> str:
        return f"A value of {self.model._meta.db_table}.{self.column}"


class _EncryptedText(_Encrypted):
    """A text value; the column is sized for the token of the longest allowed value, while
    `max_length` (what forms and validation see) stays the plaintext's."""

    def db_type_parameters(self, connection):
        data = {**self.__dict__, "max_length": self.stored_length}
        return DictWrapper(data, connection.ops.quote_name, "qn_")

    @property
    def stored_length(self) -> int:
        return encrypted_length(self.max_length)

    def get_db_prep_value(self, value, connection, prepared=False):
        value = super().get_db_prep_value(value, connection, prepared)
        return encrypt(value) if value else value

    def from_db_value(self, value, expression, connection):
        return decrypt(value, where=self._where()) if value else value


class EncryptedCharField(_EncryptedText, models.CharField):
    pass


class EncryptedEmailField(_EncryptedText, models.EmailField):
    pass


class EncryptedJSONField(_Encrypted, models.TextField):
    """A JSON value (dicts, lists, strings, numbers), encrypted as a whole."""

    def get_prep_value(self, value):
        if value is None:
            return None
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def get_db_prep_value(self, value, connection, prepared=False):
        value = super().get_db_prep_value(value, connection, prepared)
        return None if value is None else encrypt(value)

    def from_db_value(self, value, expression, connection):
        return None if value is None else json.loads(decrypt(value, where=self._where()))

    def value_to_string(self, obj):
        return self.get_prep_value(self.value_from_object(obj))


def encrypted_fields() -> list[tuple[type[models.Model], list[models.Field]]]:
    """Every installed model with encrypted fields, and those fields: what a rotation walks."""
    found = []
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, _Encrypted)]
        if fields:
            found.append((model, fields))
    return found
