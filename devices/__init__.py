"""Serial sensors: transports by URL, pure protocol parsers, drivers, simulators, reference firmware.

Modules
-------
``protocol``    the station line protocol ``msp/1`` (normative text: ``devices/PROTOCOL.md``)
``parser``      pure parsers: bytes in, samples and counted rejects out (msp, ``N12.34``, csv)
``clockfit``    device clock -> session clock (jitter-robust lower-envelope linear fit)
``transport``   ``serial_for_url`` with the ``sim://`` and ``replay://`` schemes; port discovery
``driver``      the driver base: open/start/stop/close bookkeeping, ``_do_*`` hooks, reader thread,
                bounded queue, states on the bus, reconnect after unplug
``kinds``       the device-kind registry (driver, channels and units, simulator profiles); each kind's
                module registers itself, so a new kind is one module plus its simulator profile
``grip``        :class:`~devices.grip.GripDynamometer` (force in N and kgf, peak, hold)
``balance``     :class:`~devices.balance.BalanceBoard` (four cells -> total and centre of pressure)
``sim``         simulated devices with profiles and fault injection, on real pseudo-terminals
``record``      open a device of unknown kind by URL; record samples to CSV with a summary
``firmware/``   Arduino library and sketches (HX711 grip, four-HX711 balance board)

Units: force in newtons, load cells in kilograms, centre of pressure in millimetres; all times are
``int`` nanoseconds on the session clock except the device's own ``device_time_us``.
"""
