/* _native.so for the muslext and cross_<arch> wheels: a plain shared library
 * (no Python headers) that uses a few libc functions, so its DT_NEEDED lists
 * the C library of its toolchain (libc.so for musl, libc.so.6 for glibc) and,
 * for glibc, .gnu.version_r lists that architecture's GLIBC_ versions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Returns a malloc'ed "native:<text>:<strlen>" string, or NULL on failure. */
char *wf_native_describe(const char *text) {
  size_t len = strlen(text);
  size_t cap = len + 32;
  char *out = malloc(cap);
  if (out == NULL) return NULL;
  if (snprintf(out, cap, "native:%s:%zu", text, len) < 0) {
    free(out);
    return NULL;
  }
  return out;
}

/* Frees a string returned by wf_native_describe. */
void wf_native_free(char *s) { free(s); }
