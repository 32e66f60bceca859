"""faceswap package."""
