"""The single table: keys, item codecs, the boto3 gateway, the unit of work and one store per kind of item."""
