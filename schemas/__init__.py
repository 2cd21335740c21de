"""The published contract: pydantic models of a meeting record and their JSON Schema."""

from schemas.record import SCHEMA_VERSION, MeetingRecord

__all__ = ["SCHEMA_VERSION", "MeetingRecord"]
