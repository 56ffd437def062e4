"""lic_lab.teaching."""
