"""Bearer tokens: a fixed one, or one read from a file and re-read when the file changes."""
import os
import threading
from typing import Optional, Tuple


class TokenSource:
    """Yields the ``authorization`` metadata of each call.

    A token file is re-read when its modification time or size changes, so an operator can rotate
    the token without restarting the client. A file that became empty or unreadable keeps the last
    good token (the server still accepts it until its own file rotates).
    """

    def __init__(self, token: Optional[str] = None, token_file: Optional[str] = None):
        if token is not None and token_file is not None:
            raise ValueError("give token or token_file, not both")
        self._file = os.fspath(token_file) if token_file is not None else None
        self._lock = threading.Lock()
        self._stamp: Optional[Tuple[float, int]] = None
        self._token = _checked(token) if token is not None else None
        if self._file is not None:
            self._token = self._read()
            if self._token is None:
                raise ValueError(f"token file {self._file} has no token on its first line")

    def metadata(self) -> Tuple[Tuple[str, str], ...]:
        token = self._current()
        return (("authorization", "Bearer " + token),) if token else ()

    def _current(self) -> Optional[str]:
        if self._file is None:
            return self._token
        with self._lock:
            try:
                info = os.stat(self._file)
            except OSError:
                return self._token
            if (info.st_mtime, info.st_size) != self._stamp:
                fresh = self._read()
                if fresh is not None:
                    self._token = fresh
            return self._token

    def _read(self) -> Optional[str]:
        try:
            info = os.stat(self._file)
            with open(self._file, encoding="utf-8") as f:
                first = f.readline().strip()
        except OSError:
            return None
        self._stamp = (info.st_mtime, info.st_size)
        return _checked(first) if first else None


def _checked(token: str) -> str:
    token = token.strip()
    if not token or any(c.isspace() for c in token):
        raise ValueError("a token is one non-empty word")
    return token
