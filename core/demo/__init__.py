"""Demo data (placeholder while the generator is written)."""

from core.demo.generate import generate_demo

__all__ = ["generate_demo"]
