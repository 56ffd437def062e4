"""lic_lab.quantization."""
