"""A watch: one round of work every so often, in a background thread, until it is stopped."""

import threading

import structlog

log = structlog.get_logger(__name__)


class Watch:
    """Runs `run_once` every `every_seconds` in a daemon thread between `start` and `stop`.

    A round that fails is logged as `<name>.watch_failed` and the next round tries again: a watch must
    outlive a database hiccup.
    """

    name = "watch"

    def __init__(self, every_seconds: float) -> None:
        self.every_seconds = every_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        raise NotImplementedError

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"{self.name}-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        self._stop.set()
        if thread is not None:
            thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self.every_seconds):
            try:
                self.run_once()
            except Exception:
                log.exception(f"{self.name}.watch_failed")
