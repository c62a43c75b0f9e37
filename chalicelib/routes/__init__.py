"""The HTTP routes, one Chalice blueprint per audience; app.py registers them.

A route's summary is its `@declare(...)`; route functions carry a comment, not a docstring,
because Chalice copies a view's docstring into API Gateway's definition of the method.
"""
