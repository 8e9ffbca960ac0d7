"""On demand: "I need a driver (or a car) now, here": nearby available providers are offered the job live."""
