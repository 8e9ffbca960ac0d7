"""What a requester keeps while looking: favourite listings in named lists, and saved searches with alerts."""
