"""Every write to order data, one module per order kind over a shared core (DESIGN.md §3, §4).

- `core`: validation, who-may checks, locking, `order_create` (every new order and its first
  event), messages to the orderer, cancellation with notice, attachments.
- `customer`: customer orders (KO) — drafts, lines, templates, submit, withdraw — and the
  supply-side writes that `supply.services` composes with stock (line allocation, release,
  deliveries, confirm/delay/dispatch/deliver marks).
- `work`, `pickup`, `fault`: work orders (AO), pickup orders (HO) and return receipts, fault
  reports (AV), customer-side and supply-side moves alike.

Functions are named `<entity>_<verb>`; each top-level service is one atomic transaction, audited,
with messages and e-mail after commit. Every move goes through `ordering.transitions`."""
