"""The rating scale every new installation starts with."""

DEFAULT_SCALE_NAME = "Truth scale"
DEFAULT_SCALE = {
    "name": DEFAULT_SCALE_NAME,
    "description": "Five points from False to True, plus Misleading and Unproven.",
    "min_value": 1.0,
    "max_value": 5.0,
    # label, value, bucket, colour, definition
    "ratings": [
        ("False", 1.0, "false", "#b91c1c", "The claim is inaccurate."),
        (
            "Mostly false",
            2.0,
            "false",
            "#ea580c",
            "The claim has an element of truth but ignores facts that would give a different "
            "impression.",
        ),
        (
            "Half true",
            3.0,
            "mixed",
            "#ca8a04",
            "The claim is partially accurate but leaves out important details or takes things "
            "out of context.",
        ),
        (
            "Mostly true",
            4.0,
            "true",
            "#65a30d",
            "The claim is accurate but needs clarification or additional information.",
        ),
        (
            "True",
            5.0,
            "true",
            "#15803d",
            "The claim is accurate and nothing significant is missing.",
        ),
        (
            "Misleading",
            None,
            "mixed",
            "#7c3aed",
            "The claim uses accurate facts in a way that gives a false impression.",
        ),
        (
            "Unproven",
            None,
            "other",
            "#6b7280",
            "There is not enough evidence to establish whether the claim is true or false.",
        ),
    ],
}
