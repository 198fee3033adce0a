"""Live sources: follow a growing file, decode a live stream, serial devices and URLs.

Each is a thin adapter that reads bytes and feeds the one decoder of
:mod:`iolog.core`; they share :class:`~iolog.sources.status.SourceStatus`.
"""
