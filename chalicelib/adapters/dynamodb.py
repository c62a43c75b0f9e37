"""Nothing here: the table's adapter is the package chalicelib/adapters/storage."""
