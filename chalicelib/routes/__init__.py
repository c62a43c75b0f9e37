"""The HTTP routes, one Chalice blueprint per audience; app.py registers them."""
