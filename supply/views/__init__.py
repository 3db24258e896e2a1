"""The supply centre's pages, one module per order kind over `core`."""
