"""The member card: renders, its QR code opens the login page with the username, no secret."""

import os
import shutil
import subprocess
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from tests.auth import force_login_verified
from tests.factories import PASSWORD


def _render(pdf: bytes, tmp_path) -> "object":
    import cv2

    if shutil.which("pdftoppm") is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install poppler-utils (pdftoppm)")
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    (tmp_path / "card.pdf").write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "200",
            "-png",
            "-singlefile",
            str(tmp_path / "card.pdf"),
            str(tmp_path / "card"),
        ],
        check=True,
    )
    return cv2.imread(str(tmp_path / "card.png"))


@pytest.mark.django_db
class TestMemberCard:
    def test_the_qr_code_opens_the_login_page_with_the_username(self, client, world, tmp_path):
        import cv2

        world.structure.phone = "01 23 45 67 89"
        world.structure.save()
        # Plain ASCII here: the PDF escapes accented letters, which would hide them from `in`.
        world.beneficiary.first_name = "Camille"
        world.beneficiary.save()
        force_login_verified(client, world.owner)
        response = client.get(reverse("accounts:my_card"))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Cache-Control"] == "no-store"
        pdf = response.content
        text = pdf.decode("latin-1")
        assert world.owner.username in text and world.beneficiary.first_name in text
        assert world.structure.name in text and "01 23 45 67 89" in text
        assert PASSWORD not in text and "password" not in text.lower().replace("mot de passe", "")
        image = _render(pdf, tmp_path)
        decoded, _points, _ = cv2.QRCodeDetector().detectAndDecode(image)
        url = urlparse(decoded)
        assert url.path == reverse("accounts:login")
        assert parse_qs(url.query) == {"u": [world.owner.username]}

    def test_the_login_page_fills_in_the_username_from_the_card(self, client, world):
        page = client.get(reverse("accounts:login"), {"u": world.owner.username}).content.decode()
        assert f'value="{world.owner.username}"' in page

    def test_an_affiliated_professional_prints_it_again(self, client, world):
        force_login_verified(client, world.professional)
        response = client.get(reverse("accounts:card_for", args=[world.beneficiary.code]))
        assert response.status_code == 200
        assert world.owner.username in response.content.decode("latin-1")

    @pytest.mark.parametrize(
        "actor", ["other_professional", "former_member", "professional_affiliation_ended", "staff"]
    )
    def test_anyone_else_gets_404(self, client, world, actor):
        force_login_verified(client, getattr(world, actor))
        assert (
            client.get(reverse("accounts:card_for", args=[world.beneficiary.code])).status_code
            == 404
        )
        assert client.get(reverse("accounts:my_card")).status_code == 404

    def test_anonymous_is_sent_to_login_and_post_is_refused(self, client, world):
        assert client.get(reverse("accounts:my_card")).status_code == 302
        force_login_verified(client, world.owner)
        assert client.post(reverse("accounts:my_card")).status_code == 405

    def test_it_speaks_the_person_s_language(self, client, world):
        world.owner.preferred_language = "en"
        world.owner.save()
        force_login_verified(client, world.owner)
        text = client.get(reverse("accounts:my_card")).content.decode("latin-1")
        assert "My username:" in text
