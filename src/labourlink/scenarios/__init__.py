"""labourlink.scenarios."""
