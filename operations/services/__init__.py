"""Every write of operations, one module per workflow (notices, access requests, support cases,
fallback late entries, statistics settings)."""
