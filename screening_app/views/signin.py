"""Sign-in page: the only page shown before sign-in. Nothing from the review is drawn here."""

import streamlit as st

from screening_app import state

st.title("Screening — sign in")
st.write("Sign in with the personal token your review lead gave you (`review reviewers add`).")
with st.form("sign-in", clear_on_submit=True):
    token = st.text_input("Token", type="password")
    submitted = st.form_submit_button("Sign in", type="primary")
if submitted:
    if state.sign_in(token):
        st.rerun()
    else:
        st.error("Unknown or revoked token.")
