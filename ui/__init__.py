"""Streamlit building blocks shared by the pages: translation, charts, the app shell, errors."""
