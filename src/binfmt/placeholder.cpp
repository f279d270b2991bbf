// Placeholder translation unit; replaced when this part lands.
