from django.apps import AppConfig
from django_tasks_db.apps import TasksAppConfig


class CoreConfig(AppConfig):
    name = "dabir.core"
    label = "core"
    verbose_name = "هسته"


class TasksDbConfig(TasksAppConfig):
    """The task queue's tables, under a Persian name in the admin."""

    verbose_name = "صف کارهای پس‌زمینه"
