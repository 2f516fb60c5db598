/* libwfpriv.so.1: private library of the privlib wheel (not in the wheel). */
#ifndef WFPRIV_H
#define WFPRIV_H
#include <stddef.h>

/* Writes "priv(<in>)<tag of libwfdep>" into out (NUL-terminated); returns the
 * length written, or -1 if it does not fit into cap bytes. */
long wfpriv_describe(const char *in, size_t in_len, char *out, size_t cap);

#endif
