import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0007_supervision_review_public_evidence"),
    ]

    operations = [
        migrations.CreateModel(
            name="FiguresRun",
            fields=[
                ("day", models.DateField(primary_key=True, serialize=False, verbose_name="day")),
                ("refreshed_at", models.DateTimeField(verbose_name="refreshed at")),
            ],
            options={
                "verbose_name": "figures refresh",
                "verbose_name_plural": "figures refreshes",
                "ordering": ["-day"],
            },
        ),
        migrations.CreateModel(
            name="UnitDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(verbose_name="day")),
                ("dimension", models.CharField(max_length=20, verbose_name="development dimension")),
                ("open", models.PositiveIntegerField(default=0, verbose_name="open")),
                ("red", models.PositiveIntegerField(default=0, verbose_name="overdue (red)")),
                ("yellow", models.PositiveIntegerField(default=0, verbose_name="near deadline or behind (yellow)")),
                ("green", models.PositiveIntegerField(default=0, verbose_name="on track (green)")),
                ("paused", models.PositiveIntegerField(default=0, verbose_name="clock paused")),
                ("listed", models.PositiveIntegerField(default=0, verbose_name="listed supervision")),
            ],
            options={
                "verbose_name": "unit figures of a day",
                "verbose_name_plural": "unit figures of a day",
            },
        ),
        migrations.CreateModel(
            name="UnitMonth",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("month", models.DateField(verbose_name="month (its first day)")),
                ("dimension", models.CharField(max_length=20, verbose_name="development dimension")),
                ("opened", models.PositiveIntegerField(default=0, verbose_name="opened")),
                ("closed_on_time", models.PositiveIntegerField(default=0, verbose_name="closed on time")),
                ("closed_late", models.PositiveIntegerField(default=0, verbose_name="closed late")),
                (
                    "delay_workdays",
                    models.PositiveIntegerField(default=0, verbose_name="working days of delay, summed"),
                ),
                ("reopened", models.PositiveIntegerField(default=0, verbose_name="reopened")),
                ("rejected", models.PositiveIntegerField(default=0, verbose_name="sent back")),
                ("satisfied", models.PositiveIntegerField(default=0, verbose_name="satisfied")),
                ("basically_satisfied", models.PositiveIntegerField(default=0, verbose_name="basically satisfied")),
                ("dissatisfied", models.PositiveIntegerField(default=0, verbose_name="dissatisfied")),
            ],
            options={
                "verbose_name": "unit figures of a month",
                "verbose_name_plural": "unit figures of a month",
            },
        ),
        migrations.AddField(
            model_name="unitday",
            name="unit",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="tracker.unit", verbose_name="unit"
            ),
        ),
        migrations.AddField(
            model_name="unitmonth",
            name="unit",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="tracker.unit", verbose_name="unit"
            ),
        ),
        migrations.AddConstraint(
            model_name="unitday",
            constraint=models.UniqueConstraint(fields=("day", "unit", "dimension"), name="unit_day_unique"),
        ),
        migrations.AddConstraint(
            model_name="unitmonth",
            constraint=models.UniqueConstraint(fields=("month", "unit", "dimension"), name="unit_month_unique"),
        ),
    ]
