"""The desk dashboard for editors and admins (issue 16): server-rendered SVG charts of the
queue, the rulings and the classifier, each with its data as CSV."""
