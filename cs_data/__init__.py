"""CS Cockpit data layer: models, queries and commands over the shared SQL database.

Pure Python, no Streamlit: the app, the `cs-data` command line and the tests all call in here.
"""
