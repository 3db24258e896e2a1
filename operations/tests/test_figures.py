"""The operations figures (issue 16) on hand-made fixtures that cross month boundaries, local
midnight and Swedish public holidays (Epiphany, Easter, May Day), with the expected numbers
worked out by hand in the comments. Local time is Europe/Stockholm (CET +01:00, CEST +02:00)."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from access.roles import Role
from operations import figures
from operations.models import AccessRequest, SupportCase

SE = ZoneInfo("Europe/Stockholm")


def at(y, mo, d, h=0, mi=0) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, tzinfo=SE)


@pytest.fixture
def request_at(world):
    def make(created, decided=None, unit="region_unit", name="Sökande"):
        req = AccessRequest.objects.create(unit=world[unit], role=Role.ORDERER, reason="r" * 10,
                                           manager_email="chef@example.se", first_name=name, last_name="",
                                           email=f"{name}@example.se",
                                           status="approved" if decided else "pending", decided_at=decided)
        AccessRequest.objects.filter(pk=req.pk).update(created_at=created)
        return req

    return make


def by_month(rows):
    return {r.month: r for r in rows}


def test_access_requests_decided_within_a_week_per_month(request_at):
    # December 2025: filed the Monday before Christmas, decided exactly 7 days later → met
    # (calendar days: the holidays do not stretch the week).
    request_at(at(2025, 12, 22, 10), at(2025, 12, 29, 10), name="jul")
    # January 2026: filed 28 Jan, decided 3 Feb (6 days, across the month end) → met, in January.
    request_at(at(2026, 1, 28, 10), at(2026, 2, 3, 9), name="jan-met")
    # January: 7 days and 1 minute → missed.
    request_at(at(2026, 1, 12, 10), at(2026, 1, 19, 10, 1), name="jan-late")
    # January: never decided, filed 10 Jan, now 20 Feb → missed (overdue), still waiting.
    request_at(at(2026, 1, 10, 8), name="jan-open")
    # February: filed 00:30 local on 1 Feb (31 Jan 23:30 UTC) → February; decided 9 Feb → missed.
    request_at(at(2026, 2, 1, 0, 30), at(2026, 2, 9, 1), name="feb-late")
    # February: filed 18 Feb, undecided, now 20 Feb → pending (not in the share).
    request_at(at(2026, 2, 18, 9), name="feb-pending")
    now = at(2026, 2, 20, 12)
    rows = by_month(figures.access_request_figures(dt.date(2025, 12, 5), dt.date(2026, 2, 1), now=now))
    assert list(rows) == [dt.date(2025, 12, 1), dt.date(2026, 1, 1), dt.date(2026, 2, 1)]
    dec, jan, feb = rows.values()
    assert (dec.total, dec.met, dec.pending, dec.share) == (1, 1, 0, 1.0)
    assert (jan.total, jan.met, jan.pending) == (3, 1, 0) and jan.share == pytest.approx(1 / 3)
    assert (feb.total, feb.met, feb.pending, feb.share) == (1, 0, 1, 0.0)
    assert [w.label for w in jan.worst] == ["jan-open", "jan-late", "jan-met"]
    assert jan.worst[0].done is False and jan.worst[0].waited == pytest.approx(41.2, abs=0.05)
    # A month with nothing: share None, not 0.
    empty = figures.access_request_figures(dt.date(2026, 3, 1), dt.date(2026, 3, 1), now=now)
    assert len(empty) == 1 and empty[0].total == 0 and empty[0].share is None


def test_access_request_figures_per_customer_and_sla_setting(request_at, world, settings):
    request_at(at(2026, 1, 5, 10), at(2026, 1, 10, 10), name="region")  # 5 days
    request_at(at(2026, 1, 5, 10), at(2026, 1, 20, 10), unit="municipality_unit", name="muni")  # 15 days
    now = at(2026, 2, 1)
    [region] = figures.access_request_figures(dt.date(2026, 1, 1), dt.date(2026, 1, 31), now=now,
                                              customer_id=world["region"].pk)
    [muni] = figures.access_request_figures(dt.date(2026, 1, 1), dt.date(2026, 1, 31), now=now,
                                            customer_id=world["municipality"].pk)
    assert (region.total, region.met, muni.total, muni.met) == (1, 1, 1, 0)
    settings.LYFTA_ACCESS_REQUEST_SLA_DAYS = 3
    [both] = figures.access_request_figures(dt.date(2026, 1, 1), dt.date(2026, 1, 31), now=now)
    assert (both.total, both.met) == (2, 0)


# --------------------------------------------------------------------------- support


def test_business_seconds_skip_nights_weekends_and_swedish_holidays():
    h = 3600
    # Thu 2 Apr 2026 16:00 → Thu 9 Apr 13:00: Thu 1 h; Good Friday, the weekend and Easter Monday
    # count nothing; Tue 9 h, Wed 9 h, Thu 08–13 5 h = 24 h (a calendar week).
    assert figures.business_seconds(at(2026, 4, 2, 16), at(2026, 4, 9, 13)) == 24 * h
    # Mon 5 Jan 16:30 → Wed 7 Jan 17:00: 0.5 h + Epiphany (Tue) 0 + 9 h.
    assert figures.business_seconds(at(2026, 1, 5, 16, 30), at(2026, 1, 7, 17)) == 9.5 * h
    # Outside hours on both ends, over a weekend: Fri 30 Jan 18:00 → Mon 2 Feb 07:00 = 0.
    assert figures.business_seconds(at(2026, 1, 30, 18), at(2026, 2, 2, 7)) == 0
    assert figures.business_seconds(at(2026, 1, 7, 12), at(2026, 1, 7, 11)) == 0
    # Across the change to summer time (Sun 29 Mar 2026): Fri 27 Mar 16:00 → Mon 30 Mar 09:00 = 2 h.
    assert figures.business_seconds(at(2026, 3, 27, 16), at(2026, 3, 30, 9)) == 2 * h
    # Configured hours.
    assert figures.business_seconds(at(2026, 1, 7, 8), at(2026, 1, 8, 20),
                                    hours=(dt.time(9), dt.time(12))) == 6 * h


@pytest.fixture
def case_at(world, make_user):
    users = {"region": make_user(Role.PRESCRIBER, "region"), "municipality": make_user(Role.PRESCRIBER,
                                                                                       "municipality")}
    n = [0]

    def make(opened, answered=None, closed=None, customer="region"):
        n[0] += 1
        case = SupportCase.objects.create(number=f"SU{n[0]:07d}", opened_by=users[customer],
                                          customer=world[customer], category="question", subject="s",
                                          first_answered_at=answered, closed_at=closed,
                                          status="closed" if closed else "answered" if answered else "open")
        SupportCase.objects.filter(pk=case.pk).update(opened_at=opened)
        return case

    return make


def test_support_first_answer_within_24_business_hours_per_month(case_at, world):
    # January 2026
    ok_epiphany = case_at(at(2026, 1, 5, 16, 30), at(2026, 1, 7, 17))  # 9.5 h → met
    ok_month_end = case_at(at(2026, 1, 30, 15), at(2026, 2, 3, 9))  # Fri 2 + Mon 9 + Tue 1 = 12 h → met, January
    late_weekend = case_at(at(2026, 1, 31, 10), at(2026, 2, 4, 16))  # Sat 0, Mon 9 + Tue 9 + Wed 8 = 26 h → missed
    # February: opened 00:30 local on 1 Feb (31 Jan 23:30 UTC) → February; Sunday, answered Tue
    # 3 Feb 17:00 → 18 h → met.
    case_at(at(2026, 2, 1, 0, 30), at(2026, 2, 3, 17))
    # April, over Easter: 24 h exactly on Thu 9 Apr 13:00 (see the business-seconds test).
    case_at(at(2026, 4, 2, 16), at(2026, 4, 9, 12, 59))  # met
    easter_late = case_at(at(2026, 4, 2, 16), at(2026, 4, 9, 13, 30))  # 24.5 h → missed
    case_at(at(2026, 4, 10, 9), closed=at(2026, 4, 10, 10))  # closed before any answer: left out
    # Unanswered on Thu 30 Apr 09:00, now Tue 5 May 14:00: Thu 8 + May Day 0 + Mon 9 + Tue 6 = 23 h
    # → pending (without the holiday it would be 32 h and missed).
    case_at(at(2026, 4, 30, 9))
    # Unanswered since Mon 20 Apr 08:00: far past 24 h → missed, still waiting.
    stale = case_at(at(2026, 4, 20, 8))
    now = at(2026, 5, 5, 14)
    rows = by_month(figures.support_answer_figures(dt.date(2026, 1, 1), dt.date(2026, 4, 30), now=now))
    assert list(rows) == [dt.date(2026, m, 1) for m in (1, 2, 3, 4)]
    jan, feb, mar, apr = rows.values()
    assert (jan.total, jan.met) == (3, 2) and jan.share == pytest.approx(2 / 3)
    assert [w.pk for w in jan.worst] == [late_weekend.pk, ok_month_end.pk, ok_epiphany.pk]
    assert [w.waited for w in jan.worst] == [26.0, 12.0, 9.5]
    assert (feb.total, feb.met, feb.share) == (1, 1, 1.0)
    assert (mar.total, mar.share) == (0, None)
    assert (apr.total, apr.met, apr.pending, apr.closed_unanswered) == (3, 1, 1, 1)
    assert [w.pk for w in apr.worst][:2] == [stale.pk, easter_late.pk] and apr.worst[0].done is False
    # Per customer: the municipality has none of them.
    case_at(at(2026, 1, 7, 9), at(2026, 1, 7, 10), customer="municipality")
    [muni] = figures.support_answer_figures(dt.date(2026, 1, 1), dt.date(2026, 1, 1), now=now,
                                            customer_id=world["municipality"].pk)
    assert (muni.total, muni.met) == (1, 1)


def test_support_business_hours_are_configurable(case_at, settings):
    case_at(at(2026, 1, 30, 15), at(2026, 2, 3, 9))  # 12 h with 08–17
    now = at(2026, 3, 1)
    [jan] = figures.support_answer_figures(dt.date(2026, 1, 1), dt.date(2026, 1, 1), now=now)
    assert jan.met == 1
    settings.LYFTA_SUPPORT_ANSWER_BUSINESS_HOURS = 8
    [jan] = figures.support_answer_figures(dt.date(2026, 1, 1), dt.date(2026, 1, 1), now=now)
    assert jan.met == 0 and jan.worst[0].waited == 12.0
    settings.LYFTA_SUPPORT_BUSINESS_HOURS = "06:00-20:00"  # Fri 15–20 5 h + Mon 14 h + Tue 06–09 3 h = 22 h
    settings.LYFTA_SUPPORT_ANSWER_BUSINESS_HOURS = 24
    [jan] = figures.support_answer_figures(dt.date(2026, 1, 1), dt.date(2026, 1, 1), now=now)
    assert jan.met == 1 and jan.worst[0].waited == 22.0
    settings.LYFTA_SUPPORT_BUSINESS_HOURS = "17:00-08:00"
    with pytest.raises(ValueError):
        figures.business_hours()


def test_the_figures_read_the_workflows_timestamps(world, make_user, django_capture_on_commit_callbacks):
    """End to end through the services: a request decided and a case answered now count as met
    in this month's row."""
    from django.utils import timezone

    from access.principal import ANONYMOUS, principal_for_user
    from operations.services import access_requests as ar
    from operations.services import support

    admin = principal_for_user(make_user(Role.CUSTOMER_ACCESS_ADMIN, "region"))
    req = ar.access_request_create(principal=ANONYMOUS, unit_id=world["region_unit"].pk, role=Role.ORDERER,
                                   reason="Behöver rollen.", manager_email="c@example.se", first_name="A",
                                   last_name="B", email="a@example.se")
    ar.access_request_decide(actor=admin, request_id=req.pk, approve=True)
    user = make_user(Role.PRESCRIBER, "region")
    case = support.support_case_open(principal=principal_for_user(user), category="question", subject="s", text="t")
    support.support_case_reply(principal=principal_for_user(make_user(Role.SUPPLY_HANDLER)), case_id=case.pk,
                               text="svar")
    today = timezone.localdate()
    [a] = figures.access_request_figures(today, today)
    [s] = figures.support_answer_figures(today, today)
    assert (a.total, a.met) == (1, 1) and (s.total, s.met) == (1, 1)
