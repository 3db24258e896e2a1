"""The order pages, one module per order kind over `core`."""
