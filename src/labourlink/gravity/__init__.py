"""labourlink.gravity."""
