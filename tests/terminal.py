"""Reading what a command writes to a terminal: the tests of progress lines give it a pseudo-terminal."""
import fcntl
import os
import pty
import select
import struct
import subprocess
import termios
import time


def read_all(fd: int, proc: subprocess.Popen, timeout: float = 120) -> bytes:
    """All the process writes to the terminal whose other end is `fd`, until it closes it or exits."""
    out, deadline = b"", time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the terminal's other end closed: the process is gone
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    return out


def run_on_a_terminal(argv: list[str], timeout: float = 120) -> tuple[int, str]:
    """(exit code, what it wrote to stderr) of a command whose stderr is a terminal 100 columns wide (stdout is
    thrown away), as a person running it would see it."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    proc = subprocess.Popen(argv, stderr=follower, stdout=subprocess.DEVNULL)
    os.close(follower)
    try:
        err = read_all(leader, proc, timeout).decode("utf-8", "replace")
    finally:
        os.close(leader)
        proc.wait(timeout=timeout)
    return proc.returncode, err
