from django.urls import path

from .views import customer, dashboard, fault, loans, pickup, refurbishment, work

app_name = "supply"
urlpatterns = [
    path("ordrar/", customer.inbox, name="inbox"),
    path("ordrar/<int:order_id>/", customer.order_handle, name="order_handle"),
    path("ordrar/<int:order_id>/bekrafta/", customer.order_confirm, name="order_confirm"),
    path("ordrar/<int:order_id>/forsena/", customer.order_delay, name="order_delay"),
    path("ordrar/<int:order_id>/makulera/", customer.order_cancel, name="order_cancel"),
    path("ordrar/<int:order_id>/skicka/", customer.order_dispatch, name="order_dispatch"),
    path("ordrar/<int:order_id>/leverera/", customer.order_deliver, name="order_deliver"),
    # Work orders, technician, pickups, refurbishment, fault reports, dashboard.
    path("arbetsorder/", work.wo_list, name="wo_list"),
    path("arbetsorder/<int:order_id>/", work.wo_handle, name="wo_handle"),
    path("arbetsorder/<int:order_id>/acceptera/", work.wo_accept, name="wo_accept"),
    path("arbetsorder/<int:order_id>/starta/", work.wo_start, name="wo_start"),
    path("arbetsorder/<int:order_id>/avsluta/", work.wo_complete, name="wo_complete"),
    path("arbetsorder/<int:order_id>/makulera/", work.wo_cancel, name="wo_cancel"),
    path("tekniker/", work.technician, name="technician"),
    path("tekniker/<int:order_id>/", work.technician_order, name="technician_order"),
    path("tekniker/<int:order_id>/starta/", work.technician_start, name="technician_start"),
    path("tekniker/<int:order_id>/avsluta/", work.technician_complete, name="technician_complete"),
    path("hamtorder/", pickup.pickup_list, name="pickup_list"),
    path("aterlamningar/forsenade/", loans.overdue_returns, name="overdue_returns"),
    path("hamtorder/<int:order_id>/", pickup.pickup_handle, name="pickup_handle"),
    path("hamtorder/<int:order_id>/planera/", pickup.pickup_plan, name="pickup_plan"),
    path("hamtorder/<int:order_id>/hamtad/", pickup.pickup_picked_up, name="pickup_picked_up"),
    path("hamtorder/<int:order_id>/mottagen/", pickup.pickup_receive, name="pickup_receive"),
    path("hamtorder/<int:order_id>/makulera/", pickup.pickup_cancel, name="pickup_cancel"),
    path("rekond/", refurbishment.refurb_queue, name="refurb_queue"),
    path("rekond/<str:serial>/ta-emot/", refurbishment.refurb_receive, name="refurb_receive"),
    path("rekond/<str:serial>/klar/", refurbishment.refurb_done, name="refurb_done"),
    path("rekond/<str:serial>/kassera/", refurbishment.refurb_scrap, name="refurb_scrap"),
    path("avvikelser/", fault.fault_list, name="fault_list"),
    path("avvikelser/<int:order_id>/", fault.fault_handle, name="fault_handle"),
    path("avvikelser/<int:order_id>/utred/", fault.fault_investigate, name="fault_investigate"),
    path("avvikelser/<int:order_id>/anmalan/", fault.fault_reports_view, name="fault_reports"),
    path("avvikelser/<int:order_id>/svara/", fault.fault_answer, name="fault_answer"),
    path("avvikelser/<int:order_id>/stang/", fault.fault_close, name="fault_close"),
    path("oversikt/", dashboard.dashboard, name="dashboard"),
]
