"""Sign-in page: the only page shown before sign-in. Nothing from the review is drawn here."""

import streamlit as st

from screening_app import state

if state.behind_gate():
    # the server signs in (HttpOnly cookie): its sign-out page drops the cookie, then its form
    from screening_app.gate import SIGNOUT_PATH

    st.html(f'<script>window.location.replace("{SIGNOUT_PATH}");</script>', unsafe_allow_javascript=True)
    st.markdown(f"Your sign-in has ended. [Sign in again]({SIGNOUT_PATH})")
    st.stop()

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
