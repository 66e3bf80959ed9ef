"""Answers the monitoring tests start from and change one or two readings of."""

# NEWS2 with every parameter scoring 0 (a well person on air).
NEWS2_NORMAL = {
    "resp_rate": 16,
    "spo2": 97,
    "on_oxygen": False,
    "systolic": 128,
    "pulse": 72,
    "consciousness": "A",
    "temperature": 36.8,
}
