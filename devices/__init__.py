"""Serial sensors: transports by URL, pure protocol parsers, drivers, simulators, reference firmware."""
