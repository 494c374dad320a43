"""Notices get a random address (public_id) instead of being reached by their sequence number; inspection
evidence shares the stored-file base model (portal.models.StoredFile), which only changes Django's state."""
import uuid

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("approvals", "0004_fewer_case_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="notice",
            name="public_id",
            field=models.UUIDField(null=True, editable=False),
        ),
        # gen_random_uuid() is core PostgreSQL (13+): every existing notice gets its own random id.
        migrations.RunSQL("UPDATE approvals_notice SET public_id = gen_random_uuid() WHERE public_id IS NULL",
                          migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="notice",
            name="public_id",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AlterField(
            model_name="inspectionevidence",
            name="uploaded_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="上传时间"),
        ),
    ]
