"""Buffer stores (docs/buffer-stores.md): the stores, their reorder rules (with the spreadsheet
upload), and the stock moves into and out of a store. `services` writes, `selectors` reads,
`rules_import` parses and checks an uploaded rule sheet. Ordering composes these with the
withdrawal and replenishment orders (`ordering.flows.buffer`)."""
