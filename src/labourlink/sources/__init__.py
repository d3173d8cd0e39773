"""labourlink.sources."""
