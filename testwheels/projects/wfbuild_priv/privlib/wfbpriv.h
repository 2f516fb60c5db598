/* libwfbpriv: a private library the wfbuild_priv extension links. */
#ifndef WFBPRIV_H
#define WFBPRIV_H
int wfbpriv_answer(void);
#endif
