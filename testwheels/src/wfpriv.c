/* libwfpriv.so.1: needs libwfdep.so.2 and uses memcpy with run-time sizes,
 * which on x86_64 binds to memcpy@GLIBC_2.14: a known glibc version that a
 * grafted library brings into the wheel's tag computation. */
#include "wfpriv.h"

#include <string.h>

const char *wfdep_tag(void);

long wfpriv_describe(const char *in, size_t in_len, char *out, size_t cap) {
  const char *tag = wfdep_tag();
  size_t tag_len = strlen(tag);
  size_t total = 5 + in_len + 1 + tag_len; /* "priv(" in ")" tag */
  if (total + 1 > cap) return -1;
  memcpy(out, "priv(", 5);
  memcpy(out + 5, in, in_len);
  out[5 + in_len] = ')';
  memcpy(out + 6 + in_len, tag, tag_len);
  out[total] = '\0';
  return (long)total;
}
