"""Has this been checked already? Claims matched across articles, to earlier claims and
published rulings, and to rulings imported from other organisations (ClaimReview).

Matching compares the sentence embeddings stored per claim (claims.ClaimEmbedding) and
per imported ruling; at or above the "suggest" similarity a match is shown, at or above
"same claim" (and passing the text checks) the new claim is linked to the earlier one as
a repeat automatically, which a reviewer can undo.
"""
