"""Tests of the report layer (PDF, charts, exports, CLI)."""
