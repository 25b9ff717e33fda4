"""The node core: the definition (read once per process), pure planning, the one HTTP
layer and the engine (client and executor)."""
