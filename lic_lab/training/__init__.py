"""lic_lab.training."""
