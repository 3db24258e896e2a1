"""The statistics' per-month projection (`operations.models.StatisticsMonth`): derived from the
order events and rebuildable. What it holds equals a recomputation from the events (the
hand-made fixture across December–February and the Swedish holidays; the generated fourteen
months of `test_statistics_sql`); an event of month M marks and recomputes M only (debounced),
a late entry's paper month too; `rebuild_statistics` reports a tampered row and fixes it."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from operations.models import StatisticsMonth
from operations.statistics import figures as fig
from operations.statistics import selectors as sel
from operations.statistics import services
from ordering.models import OrderEvent

from . import test_statistics_sql as gen
from .stats_fixture import DEC, FEB, JAN, at, build, delivered_order


@pytest.fixture
def fixture(world):
    return build(world)


def stored(month):
    row = StatisticsMonth.objects.get(month=month)
    return row.figures, row.stale, row.version, row.computed_at


def test_projection_equals_a_recomputation_from_the_events(fixture):
    assert not StatisticsMonth.objects.exists()
    sel.month_figures(DEC, FEB)  # the first read computes and stores each month
    fresh = sel.compute_months(DEC, FEB)
    for m in (DEC, JAN, FEB):
        figures, stale, _v, _at = stored(m)
        assert not stale and figures == fig.to_json(fresh[m]), m
        assert fig.to_json(fig.from_json(m, figures)) == figures
    assert any(fresh[m].worst for m in fresh) and any(fresh[m].reuse for m in fresh)
    assert services.projection_rebuild() == []


def test_projection_equals_the_events_on_generated_months(world):
    gen.generate(world, 1)
    sel.month_figures(gen.FIRST, gen.LAST)
    expected = sel.compute_months(gen.FIRST, gen.LAST)
    projected = sel.projected_months(fig.months_between(gen.FIRST, gen.LAST))  # read back, not recomputed
    for m, mf in expected.items():
        assert fig.to_json(projected[m]) == fig.to_json(mf), m
        assert gen._comparable(projected[m]) == gen._comparable(mf), m
    assert services.projection_rebuild() == []


def test_an_event_of_a_month_marks_and_recomputes_that_month_only(fixture, django_capture_on_commit_callbacks):
    sel.month_figures(DEC, FEB)
    before = {m: stored(m) for m in (DEC, JAN, FEB)}
    o = delivered_order(fixture["region"], at(2026, 2, 2, 9), at(2026, 2, 3, 9))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        sel.on_order_events(list(OrderEvent.objects.filter(order=o)))
        assert stored(FEB)[1:3] == before[FEB][1:3]  # nothing written before commit
    assert callbacks
    figures, stale, version, computed_at = stored(FEB)  # recomputed by the (immediate) task
    assert not stale and version == before[FEB][2] + 1 and computed_at > before[FEB][3]
    assert figures == fig.to_json(sel.compute_months(FEB, FEB)[FEB]) != before[FEB][0]
    assert stored(DEC) == before[DEC] and stored(JAN) == before[JAN]


def test_recompute_is_debounced_per_month(fixture, django_capture_on_commit_callbacks, monkeypatch):
    from django.core.cache import cache

    runs = []
    monkeypatch.setattr(services, "projection_recompute_task", lambda months: runs.append(months) or 0)
    sel.month_figures(DEC, FEB)
    cache.delete_many([services._debounce_key(m) for m in (DEC, JAN, FEB)])
    for day in (2, 3, 4):
        o = delivered_order(fixture["region"], at(2026, 2, day, 9), at(2026, 2, day + 1, 9))
        with django_capture_on_commit_callbacks(execute=True):
            sel.on_order_events(list(OrderEvent.objects.filter(order=o)))
    assert runs == [["2026-02"]]  # three events, one recompute
    assert stored(FEB)[1] and stored(FEB)[2] >= 3  # marked stale by each
    # A stale month is computed from the events on its next read.
    mf = sel.projected_months([FEB])[FEB]
    assert not stored(FEB)[1] and fig.to_json(mf) == fig.to_json(sel.compute_months(FEB, FEB)[FEB])


def test_a_late_entry_marks_the_paper_month_too(fixture):
    ev = OrderEvent.objects.filter(order=fixture["orders"]["I"]).first()
    ev.at = at(2026, 2, 20, 10)  # recorded (typed in) in February ...
    ev.data = {"paper_at": at(2025, 12, 30, 8).isoformat(), "entered_at": ev.at.isoformat()}
    assert sel.event_months([ev]) == {FEB, DEC}  # ... about a paper of December


def test_a_stale_row_is_recomputed_on_read_and_a_concurrent_mark_wins(fixture):
    sel.month_figures(DEC, FEB)
    StatisticsMonth.objects.filter(month=JAN).update(figures={"sla": {}})
    services.projection_mark_stale([JAN])
    assert fig.to_json(sel.projected_months([JAN])[JAN]) == fig.to_json(sel.compute_months(JAN, JAN)[JAN])
    assert not stored(JAN)[1]
    # A computation that read version v before another mark stores nothing: the mark stays.
    v = stored(JAN)[2]
    services.projection_mark_stale([JAN])
    assert services.projection_store(sel.compute_months(JAN, JAN), {JAN: v}) == 0
    assert stored(JAN)[1]


def test_rebuild_command_reports_a_tampered_row_and_fixes_it(fixture, capsys):
    sel.month_figures(DEC, FEB)
    row = StatisticsMonth.objects.get(month=JAN)
    figures = row.figures
    figures["sla"]["stocked"][0][1] += 7  # a stored count that the events do not give
    StatisticsMonth.objects.filter(pk=row.pk).update(figures=figures)
    with pytest.raises(CommandError) as e:
        call_command("rebuild_statistics")
    assert e.value.returncode == 1
    out = capsys.readouterr().out
    assert "2026-01 sla" in out and "2025-12" not in out and "2026-02" not in out
    call_command("rebuild_statistics", "--fix")
    call_command("rebuild_statistics", "--from", "2025-11", "--to", "2026-02", "--fix")  # a month with no row
    assert "Inga skillnader" in (call_command("rebuild_statistics") or capsys.readouterr().out)
    assert StatisticsMonth.objects.filter(month=dt.date(2025, 11, 1)).exists()


def test_the_nightly_sweep_is_scheduled_and_fixes(fixture):
    from core import scheduler
    from operations.tasks import sweep_statistics

    assert "operations.sweep_statistics" in {p.name for p in scheduler.registered()}
    sel.month_figures(DEC, FEB)
    StatisticsMonth.objects.filter(month=DEC).update(figures={})
    assert sweep_statistics.call() > 0
    assert services.projection_rebuild() == []
