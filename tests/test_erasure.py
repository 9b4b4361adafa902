from tests.conftest import signature_request
from undeu.signatures.erasure import anonymise, is_anonymised
from undeu.signatures.models import Signature
from undeu.signatures.signing import Origin, sign


def test_anonymising_keeps_what_was_signed_and_erases_who(petition):
    for n in range(3):
        sign(
            petition.pk,
            signature_request(email=f"s{n}@example.com", city="Алматы"),
            base_url="http://x",
            origin=Origin(ip_address="10.0.0.1", network="10.0.0.0/24"),
        )
    ids = list(Signature.objects.values_list("pk", flat=True))
    assert anonymise(ids) == 3
    assert anonymise(ids) == 3  # again: nothing breaks
    for signature in Signature.objects.all():
        assert is_anonymised(signature)
        assert (signature.full_name, signature.email, signature.ip_address) == ("", "", None)
        assert signature.network == signature.email_domain == ""
        assert signature.token_digest == f"erased:{signature.pk}"
        assert (signature.country, signature.city) == ("KZ", "Алматы")
    # The same address signs again: a new signature, not a clash with the erased one.
    sign(petition.pk, signature_request(email="s0@example.com"), base_url="http://x")
    assert Signature.objects.count() == 4
