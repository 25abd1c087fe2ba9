"""structlog as one JSON line per event, with request id, actor and case id bound per request."""

import logging
import sys

import structlog


def configure_logging(level: str = "info", *, cache_loggers: bool = True) -> None:
    """Tests pass cache_loggers=False so that structlog's capture_logs sees every logger."""
    numeric = logging.getLevelName(level.upper())
    logging.basicConfig(format="%(message)s", stream=sys.stderr, level=numeric)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=cache_loggers,
    )
