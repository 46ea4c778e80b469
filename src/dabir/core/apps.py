from django.apps import AppConfig
from django_tasks_db.apps import TasksAppConfig


class CoreConfig(AppConfig):
    # Two configs live in this module, so Django picks this one only when told to.
    default = True
    name = "dabir.core"
    label = "core"
    verbose_name = "هسته"


class TasksDbConfig(TasksAppConfig):
    """The task queue's tables, under a Persian name in the admin."""

    verbose_name = "صف کارهای پس‌زمینه"
