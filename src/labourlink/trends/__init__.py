"""labourlink.trends."""
