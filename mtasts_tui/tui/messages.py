"""Messages the inspection worker posts: each carries the generation it belongs to."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from mtasts_tui.probe.inspect import Inspection, StepEvent


@dataclass
class StepUpdate(Message):
    generation: int
    event: StepEvent


@dataclass
class InspectionDone(Message):
    generation: int
    inspection: Inspection


@dataclass
class InspectionFailed(Message):
    generation: int
    error: str
