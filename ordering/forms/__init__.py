"""Forms of the order pages, one module per order kind over `core`."""
