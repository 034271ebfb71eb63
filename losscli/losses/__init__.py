"""Loss kernels, one module per family. Importing a family registers its losses."""
