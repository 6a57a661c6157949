# The requester, organization and product foreign keys lose their own index: the composite
# indexes ticket_requester_number, ticket_organization_number and ticket_product_status
# begin with them and serve the same lookups, and every index is written at each insert.
#
# The indexes are dropped by name (the names Django gave them, the same on PostgreSQL and
# SQLite): AlterField would have SQLite copy the whole ticket table three times.

import django.db.models.deletion
from django.db import migrations, models

DROPPED_INDEXES = (
    "tickets_ticket_requester_id_2072a2f2",
    "tickets_ticket_organization_id_7128da48",
    "tickets_ticket_product_id_ce107858",
)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_organization_mail_domains"),
        ("catalog", "0002_product_aliases"),
        ("tickets", "0010_entitlement_signature_published_answers"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    [f'DROP INDEX IF EXISTS "{name}"' for name in DROPPED_INDEXES],
                    reverse_sql=[
                        'CREATE INDEX "tickets_ticket_requester_id_2072a2f2" '
                        'ON "tickets_ticket" ("requester_id")',
                        'CREATE INDEX "tickets_ticket_organization_id_7128da48" '
                        'ON "tickets_ticket" ("organization_id")',
                        'CREATE INDEX "tickets_ticket_product_id_ce107858" '
                        'ON "tickets_ticket" ("product_id")',
                    ],
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="ticket",
                    name="organization",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="tickets",
                        to="accounts.organization",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="product",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="tickets",
                        to="catalog.product",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="requester",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="tickets",
                        to="accounts.contact",
                    ),
                ),
            ],
        )
    ]
