"""Reading input files: formats, column selection, alignment."""
