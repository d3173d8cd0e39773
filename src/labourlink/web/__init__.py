"""labourlink.web."""
