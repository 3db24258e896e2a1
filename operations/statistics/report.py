"""The statistics of a range and scope as tables (and the charts drawn from them): what the
page shows and what the .xlsx/.csv downloads hold, built once from the cached month figures."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import formats

from . import charts
from . import figures as fig
from . import selectors as sel

TYPE_LABELS = {"customer": "Kundordrar", "work": "Arbetsordrar", "pickup": "Hämtordrar", "fault": "Felrapporter"}
MONTH_NAMES = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def short_month(m: dt.date) -> str:
    return f"{MONTH_NAMES[m.month - 1]} {m:%Y}"


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list]  # raw values: str, int, float (percent), Decimal, datetime, None
    chart: object = None  # SafeString (SVG) or None
    note: str = ""
    percent_cols: set = field(default_factory=set)  # column indexes holding percentages
    links: dict = field(default_factory=dict)  # row index -> URL of the row's first cell


@dataclass
class Scope:
    """Whose figures: every customer (supply staff), or one customer."""

    customer_id: int | None = None
    customer_name: str = ""
    show_costs: bool = True

    @property
    def customers(self):
        return None if self.customer_id is None else {self.customer_id}


def _pct(share: fig.Share):
    return share.percent


def build(first: dt.date, last: dt.date, scope: Scope) -> list[Table]:
    months_list = fig.months_between(first, last)
    mfs = sel.month_figures(first, last)
    customers = scope.customers
    labels = [short_month(m) for m in months_list]
    workflows = _workflow_figures(first, last, scope.customer_id)
    tables = [*_service_levels(mfs, labels, customers, workflows), *_worst(mfs, customers), *_workflow_worst(workflows),
              *_volumes(mfs, labels, customers, scope), *_reuse(mfs, labels, customers),
              _overdue(months_list, labels, customers)]
    if scope.show_costs:
        tables.append(_loans(first, last, months_list, labels, customers))
    return tables


def _workflow_figures(first, last, customer_id) -> dict:
    """Support cases and access requests: the operations workflows' own figures
    (`operations.figures`, their timestamps), per month, keyed like the order measures."""
    from operations import figures as ops

    return {fig.SUPPORT.key: ops.support_answer_figures(first, last, customer_id=customer_id),
            fig.ACCESS.key: ops.access_request_figures(first, last, customer_id=customer_id)}


def _workflow_worst(workflows) -> list[Table]:
    out = []
    for m in (fig.SUPPORT, fig.ACCESS):
        waits = sorted((w for ms in workflows[m.key] for w in ms.worst), key=lambda w: -w.waited)[:fig.WORST_KEPT]
        unit = "arbetstimmar" if m.unit == "hours" else "dagar"
        what = "Ärende" if m is fig.SUPPORT else "Sökande"
        rows = [[w.label, w.waited, "ja" if w.waited > m.limit else "nej", "" if w.done else "väntar"] for w in waits]
        out.append(Table(f"worst_{m.key}", f"Sämsta fall: {m.label.lower()} (inom {m.limit_label})",
                         [what, f"Tid ({unit})", "Över nivån", "Status"], rows))
    return out


def _sla_row(label, limit, per: list) -> list:
    total = fig.total_share(per)
    return [label, limit, *[_pct(x) for x in per], total.percent, total.measured, total.met]


NOTE_ORDERS = ("Ett ordermått räknas i den månad det avslutades (levererad, påbörjad, avslutad, hämtad, "
               "registrerad), från orderhändelsernas tidpunkter; vardagar utan svenska helgdagar.")


def _service_levels(mfs, labels, customers, workflows) -> list[Table]:
    shares = fig.sla_table(mfs, customers)
    headers = ["Mått", "Servicenivå", *labels, "Hela perioden", "Mätta", "Inom nivån"]
    pct_cols = set(range(2, 2 + len(labels) + 1))
    out = []
    for key, title, measures, chart_title, desc in (
        ("service_levels", "Leveranser inom servicenivån (andel, %)", fig.MEASURES[:3],
         "Leveranser inom servicenivån per månad (andel, %)",
         "Andel leveranser inom servicenivån per månad: lagerförda artiklar, beställningsvaror och akuta "
         "leveranser. Siffrorna finns i tabellen."),
        ("service_levels_work", "Reparationer, hämtningar och uttag inom servicenivån (andel, %)", fig.MEASURES[3:],
         "Reparationer, hämtningar och uttag inom servicenivån per månad (andel, %)",
         "Andel reparationer påbörjade och avslutade, hämtningar och uttag ur förråd inom servicenivån per "
         "månad. Siffrorna finns i tabellen."),
    ):
        rows = [_sla_row(m.label, m.limit_label, shares[m.key]) for m in measures]
        chart = charts.bar_chart(f"{key}-chart", chart_title, labels,
                                 [charts.Series(m.label, tuple(_pct(x) for x in shares[m.key])) for m in measures],
                                 desc=desc, max_value=100, unit=" %")
        out.append(Table(key, title, headers, rows, chart=chart, percent_cols=pct_cols, note=NOTE_ORDERS))
    special = fig.special_measures()
    shares = fig.sla_table(mfs, customers, special)
    out.append(Table("service_levels_special", "Särskilda beslut inom servicenivån (andel, %)", headers,
                     [_sla_row(m.label, m.limit_label, shares[m.key]) for m in special], percent_cols=pct_cols,
                     note="Kundens godkännare: från att beslutet kom till kunden till godkänt, avslaget eller "
                          "fråga till förskrivaren. HMC:s konsulent: från att det kom till konsulenten (efter "
                          "kundens godkännande, där kunden godkänner först) till beslut; tiden hos kunden räknas "
                          "inte konsulenten. Varje omgång räknas för sig (ett besvarat kompletteringskrav börjar "
                          "en ny), i den månad beslutet fattades; återkallade räknas inte."))
    rows = []
    for m in (fig.SUPPORT, fig.ACCESS):
        per = [fig.Share(ms.total, ms.met) for ms in workflows[m.key]]
        limit = "24 arbetstimmar" if m is fig.SUPPORT else m.limit_label
        rows.append(_sla_row(f"{m.label} (mål {m.target} %)", limit, per))
    out.append(Table("service_levels_ops", "Support och behörighet inom servicenivån (andel, %)", headers, rows,
                     chart=_workflow_chart(labels, workflows), percent_cols=pct_cols,
                     note="Supportärenden räknas i den månad de öppnades (arbetstimmar 08–17 på vardagar), "
                          "behörighetsansökningar i den månad de kom in; de som ännu inte passerat sin tidsgräns "
                          "ingår inte, obesvarade efter tidsgränsen räknas som missade."))
    return out


def _workflow_chart(labels, workflows):
    return charts.bar_chart(
        "ops-chart", "Support och behörighet inom servicenivån per månad (andel, %)", labels,
        [charts.Series(m.label, tuple(None if ms.share is None else round(100 * ms.share, 1)
                                      for ms in workflows[m.key])) for m in (fig.SUPPORT, fig.ACCESS)],
        desc="Andel supportärenden besvarade inom 24 arbetstimmar och behörighetsansökningar beslutade inom "
             "en vecka, per månad; målet för support är 90 %. Siffrorna finns i tabellen.",
        max_value=100, unit=" %", target=90, target_label="Mål support 90 %")


ORDER_PAGE = {"repair_started": "ordering:wo_detail", "repair_finished": "ordering:wo_detail",
              "pickup": "ordering:pickup_detail"}


def _order_url(key: str, case: fig.Case) -> str:
    from django.urls import reverse

    return reverse(ORDER_PAGE.get(key, "ordering:order_detail"), args=[case.order_id]) if case.order_id else ""


def _worst(mfs, customers) -> list[Table]:
    measures = (*fig.MEASURES, *fig.special_measures())
    names = sel.customer_names({c.customer_id for m in measures for c in fig.worst_cases(mfs, m.key, customers)})
    tables = []
    for m in measures:
        cases = fig.worst_cases(mfs, m.key, customers)
        rows = [[c.number, names.get(c.customer_id, ""), c.start, c.end, c.elapsed,
                 "ja" if c.elapsed > m.limit else "nej", "ja" if c.fallback else ""] for c in cases]
        unit = {"weekdays": "vardagar", "hours": "timmar", "days": "dagar"}[m.unit]
        tables.append(Table(f"worst_{m.key}", f"Sämsta fall: {m.label.lower()} (inom {m.limit_label})",
                            ["Order", "Kund", "Start", "Slut", f"Tid ({unit})", "Över nivån", "Reservrutin"], rows,
                            links={i: _order_url(m.key, c) for i, c in enumerate(cases)}))
    return tables


def _volumes(mfs, labels, customers, scope) -> list[Table]:
    per_month = fig.volume_table(mfs, customers)
    rows = [[label, *[per_month[t][i] for t in fig.ORDER_TYPES]] for i, label in enumerate(labels)]
    chart = charts.bar_chart("volume-chart", "Ordrar per månad", labels,
                             [charts.Series(TYPE_LABELS[t], tuple(per_month[t])) for t in fig.ORDER_TYPES],
                             desc="Antal inskickade ordrar per månad och ordertyp. Siffrorna finns i tabellen.")
    out = [Table("volumes", "Volymer per månad", ["Månad", *TYPE_LABELS.values()], rows, chart=chart,
                 note="En order räknas i den månad den skickades in (en hämtorder eller felrapport när den "
                      "registrerades).")]
    if scope.customer_id is None:
        by_cust = fig.volume_by_customer(mfs, customers)
        names = sel.customer_names(by_cust)
        rows = sorted(([names.get(cid, str(cid)), *[v[t] for t in fig.ORDER_TYPES]] for cid, v in by_cust.items()),
                      key=lambda r: r[0])
        out.append(Table("volumes_customer", "Volymer per kund (hela perioden)", ["Kund", *TYPE_LABELS.values()],
                         rows))
    by_iso = fig.volume_by_iso(mfs, customers)
    titles = sel.iso_titles(by_iso)
    rows = [[f"{code} {titles.get(code, '')}".strip(), v["customer"], v["work"]] for code, v in sorted(by_iso.items())]
    out.append(Table("volumes_iso", "Volymer per ISO 9999-klass (hela perioden)",
                     ["ISO-klass", "Kundordrar", "Arbetsordrar"], rows,
                     note="Kundordrar efter radernas artiklar, arbetsordrar efter individens artikel; en order "
                          "med rader i flera klasser räknas i varje klass."))
    return out


def _reuse(mfs, labels, customers) -> list[Table]:
    per_month = fig.reuse_by_month(mfs, customers)
    rows = [[label, r.refurbished, r.new, r.percent] for label, r in zip(labels, per_month, strict=True)]
    chart = charts.bar_chart("reuse-chart", "Återanvändningsgrad per månad (%)", labels,
                             [charts.Series("Återanvändningsgrad", tuple(r.percent for r in per_month))],
                             desc="Andel individmärkta leveranser från rekonditionerat lager per månad. "
                                  "Siffrorna finns i tabellen.", max_value=100, unit=" %")
    out = [Table("reuse", "Återanvändning per månad", ["Månad", "Från återanvänt lager", "Nya", "Återanvändningsgrad"],
                 rows, chart=chart, percent_cols={3})]
    by_class = fig.reuse_by_class(mfs, customers)
    titles = sel.iso_titles({code[:4] for code in by_class})
    factors = sel.co2_factors()
    co2_rows, total, unfactored = fig.co2_estimate(by_class, factors)
    co2 = {r.code: r for r in co2_rows}
    rows = []
    for code, r in by_class.items():
        c = co2.get(code)
        rows.append([f"{_iso(code)} {titles.get(code, '')}".strip(), r.refurbished, r.new, r.percent,
                     r.refurbished, c.factor if c else None, c.kg if c else None])
    rows.append(["Summa", sum(r.refurbished for r in by_class.values()), sum(r.new for r in by_class.values()),
                 fig.Reuse(sum(r.refurbished for r in by_class.values()), sum(r.new for r in by_class.values())).percent,
                 sum(r.refurbished for r in by_class.values()), None, total])
    note = ("Miljöuppskattning: varje leverans från återanvänt lager är ett nytt hjälpmedel som inte köptes; "
            "kg CO2e = antal × klassens faktor (klimatfaktorerna, som HMC:s administratör underhåller).")
    if unfactored:
        note += f" {unfactored} återanvända hjälpmedel saknar faktor och ingår inte i summan."
    out.append(Table("reuse_class", "Återanvändning och miljöuppskattning per produktklass (hela perioden)",
                     ["ISO-klass", "Från återanvänt lager", "Nya", "Återanvändningsgrad", "Inköp som undveks",
                      "kg CO2e per hjälpmedel", "kg CO2e undvikna"], rows, percent_cols={3}, note=note))
    return out


def _overdue(months_list, labels, customers) -> Table:
    """Overdue returns per customer and unit, one count per month (`selectors.overdue_return_counts`)."""
    days = sel.overdue_days(months_list)
    today = f" ({days[-1]:%Y-%m-%d})" if months_list[-1] == sel.timezone.localdate().replace(day=1) else ""
    counts = {k: v for k, v in sel.overdue_return_counts(days).items() if customers is None or k[0] in customers}
    names, units = sel.customer_names({c for c, _u in counts}), sel.unit_names({u for _c, u in counts})
    rows = sorted(([names.get(c, str(c)), units.get(u, "–" if u is None else str(u)), *per]
                   for (c, u), per in counts.items()), key=lambda r: (r[0], r[1]))
    rows.append(["Summa", "", *[sum(per[i] for per in counts.values()) for i in range(len(days))]])
    return Table("overdue_returns", "Försenade återlämningar per kund och enhet", ["Kund", "Enhet", *labels], rows,
                 note="Tidsbegränsade lån och korttidslån efter återlämningsdatumet och utprovningar efter "
                      "slutdatumet som inte är återlämnade, som listan Försenade återlämningar: vid månadens "
                      f"slut, för innevarande månad i dag{today}. Enheten är den som beställde hjälpmedlet; "
                      "lånens nuvarande villkor.")


def _iso(code: str) -> str:
    return " ".join(code[i:i + 2] for i in range(0, len(code), 2))


def _loans(first, last, months_list, labels, customers) -> Table:
    costs, computed = sel.loan_costs(first, last)
    names = sel.customer_names(costs)
    rows = []
    totals = [0] * len(months_list)
    for cid, per in sorted(costs.items(), key=lambda kv: names.get(kv[0], "")):
        if customers is not None and cid not in customers:
            continue
        latest = max(per) if per else None
        devices, _ = per[latest] if latest else (0, 0)
        amounts = [per.get(m, (0, 0))[1] if m in computed else None for m in months_list]
        for i, a in enumerate(amounts):
            totals[i] += a or 0
        rows.append([names.get(cid, str(cid)), devices, *[_kr(a) for a in amounts]])
    chart = charts.bar_chart("loan-chart", "Hyra för hjälpmedel på lån per månad (kr)", labels,
                             [charts.Series("Hyra", tuple(_kr(t) if m in computed else None
                                                          for t, m in zip(totals, months_list, strict=True)))],
                             desc="Hyra enligt fakturaunderlaget per månad. Siffrorna finns i tabellen.", unit=" kr")
    return Table("loans", "Hjälpmedel på lån och hyra per kund (kr)", ["Kund", "På lån (senaste månaden)", *labels],
                 rows, chart=chart,
                 note="Ur fakturaunderlaget (hyresrader): antal individer med hyra och hyran per månad. En månad "
                      "vars underlag inte är beräknat visas som –.")


def _kr(ore):
    return None if ore is None else (Decimal(ore) / 100).quantize(Decimal("0.01"))


def cell_text(value, *, percent: bool = False) -> str:
    """A cell as the page shows it (Swedish number and date formats)."""
    if value is None:
        return "–"
    if isinstance(value, dt.datetime):
        return formats.date_format(dt_local(value), "Y-m-d H:i")
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, float):
        value = round(value, 1)  # number_format cuts decimals off, it does not round
    if isinstance(value, (int, float, Decimal)):
        text = formats.number_format(value, decimal_pos=1 if isinstance(value, float) else
                                     (2 if isinstance(value, Decimal) and value % 1 else None), use_l10n=True,
                                     force_grouping=True)
        return f"{text} %" if percent else text
    return str(value)


def dt_local(value: dt.datetime) -> dt.datetime:
    from django.utils import timezone

    return timezone.localtime(value)
