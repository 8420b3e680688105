"""Bloomtune's Streamlit console: `streamlit run dashboard/app.py` (or `bloomtune dashboard`).

Pages are thin: they read input, call `core` services with an explicit session and principal, and render
the result. Every query, rule and permission check lives in `core/`.
"""
