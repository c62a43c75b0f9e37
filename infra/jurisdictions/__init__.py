"""Onboarding a kabupaten/kota as data: the national area list, checks, and the document.

Run on a developer's machine or in CI, never in the Lambda: it reads the shared national
area list (``kode-wilayah.csv``), which the deployed package does not carry.
"""
