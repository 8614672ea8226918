from django.db import migrations

DEFAULTS = {
    # class: sign, rectify, reporting cycle (working days; None = no periodic reports), reminder offsets
    "immediate": (2, 10, None, [1, 0]),
    "time_limited": (3, 60, None, [3, 1, 0]),
    "long_term": (5, 180, 22, [5, 3, 1, 0]),
}


def seed(apps, schema_editor):
    Policy = apps.get_model("workflows", "Policy")
    for klass, (sign, rectify, cycle, offsets) in DEFAULTS.items():
        Policy.objects.get_or_create(
            rectification_class=klass,
            severity="",
            defaults={
                "sign_days": sign,
                "rectify_days": rectify,
                "notice_days": 5,
                "verify_days": 10,
                "close_days": 5,
                "reminder_offsets": offsets,
                "chase_after_days": 0,
                "supervise_after_days": 3,
                "listed_after_days": 10,
                "reporting_cycle_days": cycle,
                "yellow_days": 3,
                "progress_tolerance": 20,
                "satisfaction_bar": "0.80",
            },
        )


class Migration(migrations.Migration):
    dependencies = [("workflows", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
