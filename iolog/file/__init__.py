"""Log files: the fast header walk, the checkpoint index and its cache, time windows, tail.

Everything here reads a seekable file by offset (``os.pread``) and decodes
through :mod:`iolog.core`.
"""
