"""On PostgreSQL, the database itself refuses to change or remove journal entries.

UPDATE is always refused; DELETE only inside a transaction that set ``coffre.journal_erasure``
(account deletion and retention, see journal.chain.journal_erasure). SQLite, the laptop default,
relies on the model-level guard only.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION coffre_journal_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('coffre.journal_erasure', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'journal entries are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER coffre_journal_append_only
    BEFORE UPDATE OR DELETE ON journal_journalentry
    FOR EACH ROW EXECUTE FUNCTION coffre_journal_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS coffre_journal_append_only ON journal_journalentry;
DROP FUNCTION IF EXISTS coffre_journal_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)  # no placeholders: keep the "%" of RAISE


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("journal", "0003_platform_chain_and_anchors")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
