"""labourlink.governance."""
