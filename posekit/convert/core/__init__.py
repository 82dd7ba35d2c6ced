"""The converters' shared core: graph building, layouts, names and padding."""
