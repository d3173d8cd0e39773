"""labourlink.report."""
