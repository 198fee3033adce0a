"""The core of the codec: the wire format, the decoder, logical lines, time specs, errors.

Nothing here does I/O: bytes and values in, values and events out. Every
other layer (files, live sources, the command line, the viewer) decodes
through these modules and no others.
"""
