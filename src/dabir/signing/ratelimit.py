"""Kept for the modules that import it from here; the limiter lives in dabir.core.ratelimit."""

from dabir.core.ratelimit import client_ip, hit

__all__ = ["client_ip", "hit"]
