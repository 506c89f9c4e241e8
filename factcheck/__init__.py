"""factcheck: a claim and allegation fact-check workflow tool.

The package root imports nothing: `factcheck.app.create_app` builds the web app,
`factcheck.console.main` is the `factcheck` command, and the domain packages load
without Flask.
"""
