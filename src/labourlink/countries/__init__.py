"""labourlink.countries."""
