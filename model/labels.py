"""The four verdict labels, in the order every score vector uses."""
LABELS: tuple[str, ...] = ("on_topic", "spam", "advertising", "flooding")
