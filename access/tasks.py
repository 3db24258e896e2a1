import datetime as dt

from django_tasks import task

from core import scheduler


@task()
def deactivate_dormant_accounts() -> int:
    from .services import deactivate_dormant_users

    return len(deactivate_dormant_users())


scheduler.register("access.deactivate_dormant", "access.tasks.deactivate_dormant_accounts", dt.timedelta(hours=24))
