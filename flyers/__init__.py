"""kyr-flyers: multilingual Know-Your-Rights flyers, print-ready, with QR codes."""

__version__ = "0.1.0"
