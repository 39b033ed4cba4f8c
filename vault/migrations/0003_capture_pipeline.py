"""Capture pipeline: the served file, originals kept apart, sealed OCR text, expiry notice."""

import django.db.models.deletion
from django.db import migrations, models


def originals_from_files(apps, schema_editor):
    """Every existing document's deposit becomes its first original, already in its file."""
    Document = apps.get_model("vault", "Document")
    Original = apps.get_model("vault", "Original")
    Original.objects.bulk_create(
        Original(document_id=pk, blob_id=file_id, position=0, included=True)
        for pk, file_id in Document.objects.values_list("pk", "file_id").iterator()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("vault", "0002_blob_sha256_set_by_processing"),
    ]

    operations = [
        migrations.RenameField(model_name="document", old_name="original", new_name="file"),
        migrations.AlterField(
            model_name="document",
            name="file",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="document",
                to="vault.blob",
            ),
        ),
        migrations.AddField(
            model_name="document",
            name="thumbnail",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="thumbnail_of",
                to="vault.blob",
            ),
        ),
        migrations.AddField(
            model_name="document",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="document",
            name="processing_started_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="document",
            name="sealed_text",
            field=models.BinaryField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="document",
            name="suggested_type",
            field=models.CharField(blank=True, max_length=30),
        ),
        migrations.AddField(
            model_name="document",
            name="fields_to_confirm",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="document",
            name="expiry_notice_days",
            field=models.PositiveSmallIntegerField(
                blank=True,
                choices=[
                    (7, "1 week before"),
                    (30, "1 month before"),
                    (90, "3 months before"),
                    (365, "1 year before"),
                ],
                default=90,
                null=True,
                verbose_name="warn me",
            ),
        ),
        migrations.CreateModel(
            name="Original",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("position", models.PositiveSmallIntegerField(default=0)),
                ("included", models.BooleanField(default=False)),
                (
                    "blob",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="original_of",
                        to="vault.blob",
                    ),
                ),
                (
                    "document",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="originals",
                        to="vault.document",
                    ),
                ),
            ],
            options={
                "verbose_name": "original",
                "verbose_name_plural": "originals",
                "ordering": ["position", "pk"],
            },
        ),
        migrations.RunPython(originals_from_files, migrations.RunPython.noop),
    ]
