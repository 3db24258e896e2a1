from django.urls import path

from . import views_service as v

urlpatterns = [
    path("arbetsorder/", v.wo_list, name="wo_list"),
    path("arbetsorder/<int:order_id>/", v.wo_handle, name="wo_handle"),
    path("arbetsorder/<int:order_id>/acceptera/", v.wo_accept, name="wo_accept"),
    path("arbetsorder/<int:order_id>/starta/", v.wo_start, name="wo_start"),
    path("arbetsorder/<int:order_id>/avsluta/", v.wo_complete, name="wo_complete"),
    path("arbetsorder/<int:order_id>/makulera/", v.wo_cancel, name="wo_cancel"),
    path("tekniker/", v.technician, name="technician"),
    path("tekniker/<int:order_id>/", v.technician_order, name="technician_order"),
    path("tekniker/<int:order_id>/starta/", v.technician_start, name="technician_start"),
    path("tekniker/<int:order_id>/avsluta/", v.technician_complete, name="technician_complete"),
    path("hamtorder/", v.pickup_list, name="pickup_list"),
    path("hamtorder/<int:order_id>/", v.pickup_handle, name="pickup_handle"),
    path("hamtorder/<int:order_id>/planera/", v.pickup_plan, name="pickup_plan"),
    path("hamtorder/<int:order_id>/hamtad/", v.pickup_picked_up, name="pickup_picked_up"),
    path("hamtorder/<int:order_id>/mottagen/", v.pickup_receive, name="pickup_receive"),
    path("hamtorder/<int:order_id>/makulera/", v.pickup_cancel, name="pickup_cancel"),
    path("rekond/", v.refurb_queue, name="refurb_queue"),
    path("rekond/<str:serial>/ta-emot/", v.refurb_receive, name="refurb_receive"),
    path("rekond/<str:serial>/klar/", v.refurb_done, name="refurb_done"),
    path("rekond/<str:serial>/kassera/", v.refurb_scrap, name="refurb_scrap"),
    path("avvikelser/", v.fault_list, name="fault_list"),
    path("avvikelser/<int:order_id>/", v.fault_handle, name="fault_handle"),
    path("avvikelser/<int:order_id>/utred/", v.fault_investigate, name="fault_investigate"),
    path("avvikelser/<int:order_id>/anmalan/", v.fault_reports_view, name="fault_reports"),
    path("avvikelser/<int:order_id>/svara/", v.fault_answer, name="fault_answer"),
    path("avvikelser/<int:order_id>/stang/", v.fault_close, name="fault_close"),
    path("oversikt/", v.dashboard, name="dashboard"),
]
