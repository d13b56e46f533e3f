"""PySide6 front end. Knows assistant/, never the reverse."""
