"""Which logs ``iolog cat A B C`` and ``iolog cat DIR`` read, and their names.

This module owns turning the command line's arguments into named logs:

- a file is a log, named by its folder when it is a container's
  ``output.log`` (``3f2a.../output.log`` is ``3f2a...``), else by its name
  without the extension (``web.log`` is ``web``);
- a folder holds container folders, each with an ``output.log`` (a VIC
  datastore's layout), or log files, or both: each is a log, in the order of
  their names. A container folder without an ``output.log`` yet, hidden
  files, and files that are not logs are passed over (the last with a
  warning: they were asked for only as part of the folder);
- two logs with the same name are told apart by their paths.

While following, a folder is looked at again for logs that appear in it
(:meth:`LogSet.rescan`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..core.errors import NotAnIologFile, describe_os_error
from ..file.opening import SNIFF_BYTES, check_log_file
from .common import PROG, CliError, warn

__all__ = ["CONTAINER_LOG", "LogSet", "NamedLog", "log_name"]

#: The file of a container folder that holds its log (VIC's ``output.log``).
CONTAINER_LOG = "output.log"


@dataclass
class NamedLog:
    """A log to read and the name it is printed under.

    Attributes:
        path: its path.
        name: its name (see :func:`log_name`).
        folder: the folder argument it was found in, if any.
    """

    path: str
    name: str
    folder: str | None = None


def log_name(path: str) -> str:
    """A log's name: its folder's for an ``output.log``, else its file name without extension."""
    head, tail = os.path.split(os.path.normpath(path))
    if tail == CONTAINER_LOG and head:
        return os.path.basename(head) or head
    stem, _ext = os.path.splitext(tail)
    return stem or tail


def _path_name(path: str) -> str:
    """A longer name, for logs whose names collide: the path without ``/output.log`` or extension."""
    normal = os.path.normpath(path)
    head, tail = os.path.split(normal)
    if tail == CONTAINER_LOG and head:
        return head
    return os.path.splitext(normal)[0] or normal


@dataclass
class LogSet:
    """The logs of the command line, in order, and the folders to look at again.

    Args:
        specs: the arguments (files and folders).
        quiet: ``-q``: no warning about files passed over.
    """

    specs: list[str]
    quiet: bool = False
    logs: list[NamedLog] = field(default_factory=list)
    folders: list[str] = field(default_factory=list)
    _seen: set[str] = field(default_factory=set)
    _passed_over: dict[str, int] = field(default_factory=dict)  # path -> its size then

    def __post_init__(self) -> None:
        for spec in self.specs:
            if spec == "-":
                raise CliError("stdin (-) can only be read alone", status=2)
            if os.path.isdir(spec):
                self.folders.append(spec)
                self._add(self._scan(spec, quiet=self.quiet))
            else:
                self._add([NamedLog(spec, log_name(spec))])
        self._rename()

    def _add(self, logs: list[NamedLog]) -> list[NamedLog]:
        added = []
        for log in logs:
            key = os.path.realpath(log.path)
            if key in self._seen:
                continue  # named twice (a file and its folder): read once
            self._seen.add(key)
            self.logs.append(log)
            added.append(log)
        return added

    def _rename(self) -> None:
        """Names that collide are replaced by the logs' paths."""
        counts: dict[str, int] = {}
        for log in self.logs:
            counts[log.name] = counts.get(log.name, 0) + 1
        for log in self.logs:
            if counts[log.name] > 1:
                log.name = _path_name(log.path)

    def rescan(self) -> list[NamedLog]:
        """Logs that appeared in the folders since; they are added to :attr:`logs`."""
        found = []
        for folder in self.folders:
            found += self._scan(folder, quiet=self.quiet, known=self._seen)
        added = self._add(found)
        taken = {log.name for log in self.logs if log not in added}
        for log in added:
            if log.name in taken:
                log.name = _path_name(log.path)
            taken.add(log.name)
        return added

    def _scan(self, folder: str, *, quiet: bool, known: set[str] | None = None) -> list[NamedLog]:
        """The logs of a folder, in the order of their names."""
        try:
            names = sorted(os.listdir(folder))
        except OSError as error:
            raise CliError(f"{folder}: {describe_os_error(error)}") from None
        logs = []
        for entry in names:
            if entry.startswith("."):
                continue
            path = os.path.join(folder, entry)
            if known is not None and os.path.realpath(path) in known:
                continue
            inner = os.path.join(path, CONTAINER_LOG)
            if os.path.isdir(path):
                if os.path.isfile(inner) and (known is None or os.path.realpath(inner) not in known):
                    logs.append(NamedLog(inner, entry, folder))
                continue
            if not os.path.isfile(path):
                continue
            try:
                size = os.path.getsize(path)
                if self._passed_over.get(path) == size:
                    continue  # said already, and unchanged since
                check_log_file(path, sniff_bytes=SNIFF_BYTES)
            except NotAnIologFile:
                if path not in self._passed_over and not quiet:
                    warn(f"{PROG}: warning: {path}: not an iolog file; passed over")
                self._passed_over[path] = size
                continue
            except OSError as error:
                if not quiet:
                    warn(f"{PROG}: warning: {path}: {describe_os_error(error)}; passed over")
                continue
            logs.append(NamedLog(path, log_name(path), folder))
        return logs
