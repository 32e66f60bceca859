"""Running ffmpeg as a child process with its stderr kept for the error sentence."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import IO

from .errors import MediaError

RUN_TIMEOUT_S = 3600.0


class FfmpegProcess:
    """An ffmpeg child with a pipe on stdin or stdout; stderr goes to a temporary file (no pipe deadlock)."""

    def __init__(self, args: list[str], *, stdin: bool = False, stdout: bool = False, what: str = "ffmpeg") -> None:
        self.args = args
        self.what = what
        self._stderr: IO[bytes] = tempfile.TemporaryFile()
        try:
            self.proc = subprocess.Popen(
                args,
                stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                stdout=subprocess.PIPE if stdout else subprocess.DEVNULL,
                stderr=self._stderr,
                bufsize=0,
            )
        except FileNotFoundError:
            self._stderr.close()
            raise MediaError(
                f"{args[0]} is not installed; install ffmpeg (Debian: apt-get install ffmpeg) and retry."
            ) from None

    def error_text(self) -> str:
        self._stderr.seek(0)
        lines = self._stderr.read().decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else f"exit status {self.proc.returncode}"

    def wait(self, timeout: float = RUN_TIMEOUT_S) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise MediaError(f"{self.what} did not finish within {timeout:.0f} s and was stopped.") from None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def close(self) -> None:
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None and not stream.closed:
                try:
                    stream.close()
                except BrokenPipeError:
                    pass
        self.kill()
        self._stderr.close()


def run_ffmpeg(args: list[str], what: str, timeout: float = RUN_TIMEOUT_S) -> None:
    """Run one ffmpeg command to completion; a failure is one sentence naming `what`."""
    process = FfmpegProcess(args, what=what)
    try:
        if process.wait(timeout) != 0:
            raise MediaError(f"{what} failed: {process.error_text()}.")
    finally:
        process.close()


def write_concat_list(paths: list[Path], list_file: Path) -> Path:
    """An ffconcat file naming each segment by absolute path."""
    lines = ["ffconcat version 1.0"]
    for path in paths:
        escaped = str(Path(path).resolve()).replace("'", "'\\''")
        lines.append(f"file '{escaped}'")
    list_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return list_file


def enlarge_pipe(stream: IO[bytes], wanted: int) -> None:
    """Grow a pipe's kernel buffer towards `wanted` bytes (Linux; silently keeps the default elsewhere)."""
    try:
        import fcntl

        limit = int(Path("/proc/sys/fs/pipe-max-size").read_text())
        fcntl.fcntl(stream.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), max(65536, min(wanted, limit)))
    except (OSError, ValueError, ImportError):
        pass
