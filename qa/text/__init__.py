"""Text primitives shared by every layer: normalisation, sentences, tokens."""
