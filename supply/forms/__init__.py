"""The supply centre's forms, one module per order kind."""
