"""lic_lab.evaluation."""
