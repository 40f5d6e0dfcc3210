"""The hello-world page ``bench/page_ready.py`` compares every page with: a title and one metric."""

import streamlit as st

st.title("Hello")
st.metric("Visitors", 42)
