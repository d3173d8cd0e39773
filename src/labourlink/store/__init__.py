"""labourlink.store."""
