"""pyserial URL handlers of the project's own schemes (``sim://``, ``replay://``).

pyserial looks for ``<package>.protocol_<scheme>`` in ``serial.protocol_handler_packages``;
:func:`devices.transport.register_url_handlers` adds this package there.
"""
