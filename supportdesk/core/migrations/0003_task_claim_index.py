"""An index for the worker's claim (supportdesk.core.worker): the next task due, found at the
front of the index instead of after every task scheduled for later. The task table belongs
to django-tasks-db, so the index is created here, in SQL both databases accept."""

from django.db import migrations

INDEX = "supportdesk_task_claim"
TABLE = "django_tasks_database_dbtaskresult"


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_blob_inline"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {INDEX} "
            f"ON {TABLE} (status, run_after, priority DESC, enqueued_at)",
            reverse_sql=f"DROP INDEX IF EXISTS {INDEX}",
        )
    ]
