"""The same encrypted blobs on S3-compatible storage, against moto's server over real HTTP."""

import os
import socket

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.auth import force_login_verified
from tests.factories import BeneficiaryFactory
from vault.models import Blob, Document
from vault.specimens import text_pdf

pytestmark = pytest.mark.s3

BUCKET = "coffre-test"
MARKER = b"MARQUEUR-S3-51C2"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_storage(settings, s3_endpoint):
    import boto3

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="eu-west-3",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"}
    )
    settings.STORAGES = {
        **settings.STORAGES,
        "blobs": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "eu-west-3",
                "access_key": "testing",
                "secret_key": "testing",
                "file_overwrite": False,
            },
        },
    }
    yield client
    objects = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    for item in objects:
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _keys(client) -> list[str]:
    return [item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


@pytest.mark.django_db
class TestS3Blobs:
    def test_it_round_trips_a_paper_through_the_views(self, client, s3_storage):
        owner = BeneficiaryFactory()
        force_login_verified(client, owner.user)
        # Larger than one Tink segment and than one S3 multipart part buffer.
        paper = text_pdf(["SPECIMEN"]) + MARKER + os.urandom(6 * 1024 * 1024)
        client.post("/coffre/upload/", {"files": [SimpleUploadedFile("a.pdf", paper)]})
        document = Document.objects.get(owner=owner)
        assert _keys(s3_storage) == [document.file.storage_key]
        stored = s3_storage.get_object(Bucket=BUCKET, Key=document.file.storage_key)["Body"]
        assert MARKER not in stored.read()
        response = client.get(reverse("vault:download", args=[document.code]))
        assert b"".join(response.streaming_content) == paper

    def test_a_refused_upload_leaves_no_object(self, client, s3_storage):
        owner = BeneficiaryFactory()
        force_login_verified(client, owner.user)
        client.post("/coffre/upload/", {"files": [SimpleUploadedFile("a.pdf", b"not a paper")]})
        assert not Blob.objects.exists()
        assert _keys(s3_storage) == []

    def test_a_tampered_object_is_refused(self, client, s3_storage):
        owner = BeneficiaryFactory()
        force_login_verified(client, owner.user)
        client.post("/coffre/upload/", {"files": [SimpleUploadedFile("a.pdf", text_pdf(["x"]))]})
        document = Document.objects.get(owner=owner)
        key = document.file.storage_key
        data = bytearray(s3_storage.get_object(Bucket=BUCKET, Key=key)["Body"].read())
        data[-3] ^= 0x10
        s3_storage.put_object(Bucket=BUCKET, Key=key, Body=bytes(data))
        response = client.get(reverse("vault:download", args=[document.code]))
        assert response.status_code == 500

    def test_deleting_a_document_removes_its_object(
        self, client, s3_storage, django_capture_on_commit_callbacks
    ):
        owner = BeneficiaryFactory()
        force_login_verified(client, owner.user)
        client.post("/coffre/upload/", {"files": [SimpleUploadedFile("a.pdf", text_pdf(["x"]))]})
        document = Document.objects.get(owner=owner)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("vault:delete", args=[document.code]))
        assert _keys(s3_storage) == []
