from django_tasks import task


@task()
def prices_refresh():
    """Copy prices that came into force onto the articles' current price."""
    from .services import prices_refresh_current

    return prices_refresh_current()
