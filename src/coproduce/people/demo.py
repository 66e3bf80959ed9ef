def generate(**options):
    """Placeholder until the demo region is written."""
