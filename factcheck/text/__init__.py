"""Text analysis with no database: sentence segmentation, article structure, who said
what (attribution) and standalone claim wording, with their word lists in data/."""
