from django.urls import reverse

from tests.auth import force_login_verified
from tests.factories import make_document
from vault.models import Document, Visibility


def test_owner_sees_home_and_professional_sees_shared(client, world):
    shared = make_document(world.beneficiary, visibility=Visibility.SHARED, title="Carte Vitale")
    private = make_document(world.beneficiary, title="Secret")
    assert Document.objects.get(pk=shared.pk).state == Document.State.READY
    force_login_verified(client, world.owner)
    page = client.get(reverse("vault:home")).content.decode()
    assert "Carte Vitale" in page and "Secret" in page
    force_login_verified(client, world.professional)
    page = client.get(
        reverse("structures:beneficiary", args=[world.beneficiary.code])
    ).content.decode()
    assert "Carte Vitale" in page and "Secret" not in page
    assert client.get(reverse("vault:document", args=[private.code])).status_code == 404
